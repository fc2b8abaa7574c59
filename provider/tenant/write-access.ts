/**
 * Refuses a change before any tenant call when the signed-in identity cannot make it: the
 * application permissions in the Graph token's `roles` and the directory roles in the Teams token's
 * `wids` are read (decoded, not verified: the service verifies) and compared with what the change
 * needs. A read-only identity (the pull-request preview one: Graph *.Read.All and Global Reader)
 * thus runs `preview` and `preview --refresh`, and `up` stops at the first create, update or
 * delete naming the permission it lacks. A token that is not a readable JWT is not judged.
 */
import { TenantError } from "../errors";
import { describeCredential, type TenantSettings } from "../settings";
import { graphScope, TEAMS_ADMIN_SCOPE, type TokenSource } from "./auth";

/** What a change writes: users (usage location, display name, delete), licences, numbers, Teams cmdlets. */
export type WriteNeed = "users" | "licences" | "numbers" | "teams";

interface Requirement {
  /** How messages name it. */
  name: string;
  /** The token it is judged on and its claim. */
  token: "graph" | "teams";
  claim: "roles" | "wids";
  /** Any of these grants it. */
  anyOf: string[];
}

/** Directory role templates that may run the Teams cmdlets that change resource accounts and numbers. */
const TEAMS_WRITE_ROLES = [
  "69091246-20e8-4a56-aa4d-066075b2a7a8", // Teams Administrator
  "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
  "baf37b3a-610e-45da-9e62-d9d1e5e8914b", // Teams Communications Administrator
  "aa38014f-0993-46e9-9b45-30501a20909d", // Teams Telephony Administrator
];

const REQUIREMENTS: Record<"users" | "licences" | "numbersGraph" | "teams", Requirement> = {
  users: {
    name: "User.ReadWrite.All",
    token: "graph",
    claim: "roles",
    anyOf: ["User.ReadWrite.All", "Directory.ReadWrite.All"],
  },
  licences: {
    name: "User.ReadWrite.All (or LicenseAssignment.ReadWrite.All)",
    token: "graph",
    claim: "roles",
    anyOf: ["User.ReadWrite.All", "LicenseAssignment.ReadWrite.All", "Directory.ReadWrite.All"],
  },
  numbersGraph: {
    name: "TeamsTelephoneNumber.ReadWrite.All",
    token: "graph",
    claim: "roles",
    anyOf: ["TeamsTelephoneNumber.ReadWrite.All"],
  },
  teams: { name: "the Teams Administrator directory role", token: "teams", claim: "wids", anyOf: TEAMS_WRITE_ROLES },
};

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
          ? REQUIREMENTS.teams
          : REQUIREMENTS.numbersGraph
        : REQUIREMENTS[n],
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
