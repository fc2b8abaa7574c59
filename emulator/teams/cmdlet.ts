/** The shape of an emulated cmdlet and shared helpers. */
import { EmulatorContext } from "../context";
import { AccessClaims } from "../tokens";
import { Bound, ParamSpec } from "./binding";

/** What a cmdlet run returns. */
export interface CmdletResult {
  output: Record<string, unknown>[];
  /** Target and number for the audit entry of a mutating cmdlet. */
  audit?: { target: string | null; number: string | null };
}

/** An emulated cmdlet. */
export interface CmdletDef {
  name: string;
  params: ParamSpec[];
  /** Mutating cmdlets are audited. */
  mutating: boolean;
  run(ctx: EmulatorContext, p: Bound, claims: AccessClaims): CmdletResult;
}

/** Common switches most Teams cmdlets take. */
export const FORCE_WHATIF: ParamSpec[] = [
  { name: "Force", type: "switch" },
  { name: "WhatIf", type: "switch" },
  { name: "Confirm", type: "switch" },
];
