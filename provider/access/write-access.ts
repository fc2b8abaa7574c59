/**
 * Refuses a change before any tenant call when the signed-in identity cannot make it: the
 * application permissions in the Graph token's `roles` and the directory roles in the Teams token's
 * `wids` are read (decoded, not verified: the service verifies) and compared with what the change
 * needs. A read-only identity (the pull-request preview one: Graph *.Read.All and Global Reader)
 * thus runs `preview` and `preview --refresh`, and `up` stops at the first create, update or
 * delete naming the permission it lacks. A token that is not a readable JWT is not judged.
 */
import { TenantError } from "../errors";
import type { TenantSettings } from "../settings";
import { WRITE_REQUIREMENTS, type WriteNeed } from "./catalogue";
import { describeCredential } from "./credentials";
import { graphScope, TEAMS_ADMIN_SCOPE, type TokenSource } from "./tokens";

export type { WriteNeed } from "./catalogue";

/** Checks that the signed-in identity may make a change, from its tokens' claims. */
export class WriteAccess {
  constructor(
    private readonly settings: TenantSettings,
    private readonly tokens: TokenSource,
  ) {}

  /** Throws a ReadOnlyIdentity TenantError naming what is missing; resolves when everything is granted. */
  async require(needs: WriteNeed[], operation: string, resource?: string): Promise<void> {
    const reqs = needs.map((n) =>
      n === "numbers"
        ? this.settings.numberAssignment === "powershell"
          ? WRITE_REQUIREMENTS.teams
          : WRITE_REQUIREMENTS.numbersGraph
        : WRITE_REQUIREMENTS[n],
    );
    const claims = {
      graph: reqs.some((r) => r.token === "graph")
        ? await this.tokens.claims(graphScope(this.settings.graphUrl))
        : null,
      teams: reqs.some((r) => r.token === "teams") ? await this.tokens.claims(TEAMS_ADMIN_SCOPE) : null,
    };
    const held = (token: "graph" | "teams", claim: "roles" | "wids"): string[] | undefined => {
      const v = claims[token]?.[claim];
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
    };
    const missing = [
      ...new Set(
        reqs
          .filter((r) => {
            const have = held(r.token, r.claim);
            // No readable claim: not judged here (the service decides).
            return have !== undefined && !r.anyOf.some((p) => have.includes(p));
          })
          .map((r) => r.name),
      ),
    ];
    if (missing.length === 0) return;
    const roles = held("graph", "roles") ?? [];
    const who = this.settings.clientId ? `app ${this.settings.clientId}` : "the host's managed identity";
    throw new TenantError({
      operation,
      resource,
      code: "ReadOnlyIdentity",
      kind: "permanent",
      permission: missing[0],
      reason: `the signed-in identity (${who}, with ${describeCredential(this.settings.credential)}) lacks ${missing.join(" and ")}; its Graph token grants ${roles.length ? roles.join(", ") : "no application permission"}. Nothing was changed`,
      hint:
        "A read-only identity (such as the pull-request preview one) can run `pulumi preview` and `pulumi preview --refresh` only: " +
        "run `pulumi up` with the deploy identity, or grant this one the missing permission (with admin consent) or role.",
    });
  }
}
