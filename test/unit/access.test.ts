/**
 * Identity and access in one place: every Graph permission and directory role the provider and its
 * scripts name comes from the catalogue (provider/access/catalogue.ts), checked on the source; the
 * secret environment kept from the PowerShell host is derived from the settings table.
 */
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import * as ts from "typescript";

import { GRAPH, ROLES, WRITE_REQUIREMENTS } from "../../provider/access/catalogue";
import { JOB_ENV } from "../../provider/access/credentials";
import { SECRET_ENV, SETTING_SOURCES } from "../../provider/settings";

const ROOT = path.resolve(__dirname, "../..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith(".ts") ? [full] : [];
  });
}

/** String literals (and template texts) of a file that name a Graph permission or a role template id. */
function permissionLiterals(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const ids = Object.values(ROLES).map((r) => r.id);
  const names = /\b[A-Z][A-Za-z]+\.(Read|ReadWrite)\.All\b/;
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteralLike(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) {
      const text = n.text;
      if (names.test(text) || ids.some((id) => text.includes(id))) found.push(text);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

describe("access", () => {
  test("no permission or role spelt outside the catalogue (provider/, scripts/)", () => {
    const catalogue = path.join(ROOT, "provider", "access", "catalogue.ts");
    const spelt = [...files(path.join(ROOT, "provider")), ...files(path.join(ROOT, "scripts"))]
      .filter((f) => f !== catalogue)
      .flatMap((f) => permissionLiterals(f).map((t) => `${path.relative(ROOT, f)}: ${t}`));
    expect(spelt).toEqual([]);
  });

  test("the source check finds a spelt permission (self-test)", () => {
    expect(permissionLiterals(path.join(ROOT, "provider", "access", "catalogue.ts"))).toContain(GRAPH.usersWrite);
  });

  test("the write guard's requirements are the catalogue's permissions and roles", () => {
    expect(WRITE_REQUIREMENTS.users.anyOf).toContain(GRAPH.usersWrite);
    expect(WRITE_REQUIREMENTS.numbersGraph.anyOf).toEqual([GRAPH.numbersWrite]);
    expect(WRITE_REQUIREMENTS.teams).toMatchObject({ name: "the Teams Administrator directory role", claim: "wids" });
    expect(WRITE_REQUIREMENTS.teams.anyOf).toContain(ROLES.teamsAdministrator.id);
  });

  test("the secret environment: every credential setting and job token, and the engine's, state backend's and CI's secrets", () => {
    const credentialSettings = Object.values(SETTING_SOURCES)
      .filter((s) => s.secret)
      .map((s) => s.env);
    expect(credentialSettings).toEqual([
      "AZURE_CLIENT_SECRET",
      "AZURE_CLIENT_CERTIFICATE_PATH",
      "AZURE_FEDERATED_TOKEN_FILE",
    ]);
    expect(SECRET_ENV).toEqual(expect.arrayContaining([...credentialSettings, ...Object.values(JOB_ENV)]));
    // What the hand-kept list held before it was derived: nothing dropped.
    expect(SECRET_ENV).toEqual(
      expect.arrayContaining([
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PASSWORD",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_FEDERATED_TOKEN_FILE",
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_CONFIG_PASSPHRASE_FILE",
        "PULUMI_ACCESS_TOKEN",
        "AZURE_STORAGE_KEY",
        "AZURE_STORAGE_SAS_TOKEN",
        "AZURE_STORAGE_CONNECTION_STRING",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_RUNTIME_TOKEN",
        "SYSTEM_ACCESSTOKEN",
        "IDENTITY_HEADER",
        "IDENTITY_ENDPOINT",
        "MSI_SECRET",
        "GITHUB_TOKEN",
      ]),
    );
    // Settings that are no secret reach the host (it needs none, but nothing hides them either).
    expect(SECRET_ENV).not.toContain("AZURE_TENANT_ID");
    expect(SECRET_ENV).not.toContain("TEAMS_PWSH_PATH");
  });
});
