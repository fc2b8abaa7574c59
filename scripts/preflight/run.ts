/**
 * What every section of the preflight shares: one line of the checklist (Check), the run's context
 * (Run: the bots, the identity, the tenant access, the tokens' claims, the checklist so far) and
 * the shape of a section. A new section is a function `(run: Run) => Promise<void> | void` added to
 * SECTIONS in scripts/preflight.ts; it reads the tenant through `run.tenant` only.
 */
import type { TenantSettings } from "../../provider/settings";
import type { BotConfig } from "../../stacks/config";
import type { PreflightTenant, TokenClaims } from "./tenant";

/** One line of the checklist ("warn": worth a look, does not fail the preflight). */
export interface Check {
  title: string;
  status: "pass" | "fail" | "skip" | "warn";
  detail?: string;
  fix?: string;
}

/** The claims of the two tokens (what the identity holds, as far as the tokens say). */
export interface Claims {
  graph: TokenClaims;
  teams: TokenClaims;
}

/** The context of one run, handed to every section in order. */
export interface Run {
  bots: BotConfig[];
  settings: TenantSettings;
  /** True for the read-only preview identity (`--identity preview`). */
  preview: boolean;
  tenant: PreflightTenant;
  claims: Claims;
  /** True when the Graph token grants the permission (for the preview identity, also its ReadWrite form). */
  has(permission: string): boolean;
  /** The directory-role line, once the roles section ran (the Teams probe may add what it saw). */
  roleCheck?: Check;
  /** Appends a line to the checklist and returns it. */
  add(c: Check): Check;
}

/** One section of the checklist. */
export type Section = (run: Run) => Promise<void> | void;

/** The error's message (an Error's, or the value as text). */
export const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
