/**
 * Provider-process concerns: settings from configure or the environment, certificate and secret
 * credentials through real msal-node, clear auth failures, and no secret in outputs, argv or the
 * PowerShell host's environment.
 */
import * as fs from "fs";
import type * as pulumi from "@pulumi/pulumi";

import { currentSettings, resetSession } from "../../provider/access/session";
import { provider as instanceTyped } from "../../provider/resources/applicationInstance";
import { closeTenants, tenantParts } from "../../provider/tenant";
import { emulatorEnv } from "../helpers/emulator-settings";
import { captureProgress, checked, rejection, startHarness, type Harness } from "./harness";

const provider = instanceTyped as pulumi.dynamic.ResourceProvider;
const APP = "b2a4c6e8-1111-4222-8333-944455556666";

describe("provider session", () => {
  let h: Harness;
  let progress: ReturnType<typeof captureProgress>;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.stop());
  beforeEach(() => (progress = captureProgress()));
  afterEach(async () => {
    progress.restore();
    await closeTenants();
    resetSession();
  });

  const create = async (upn: string) =>
    provider.create(
      await checked(provider, { userPrincipalName: upn, displayName: "Bot", applicationId: APP, usageLocation: "US" }),
    );

  test("configure-with-certificate", async () => {
    await h.configure(provider, { clientSecret: "", clientCertificatePath: h.emulator.certificatePath });
    expect(currentSettings().credential).toEqual({ kind: "certificate", certificatePath: h.emulator.certificatePath });
    const { outs } = await create("cert-bot@contoso.com");
    expect(outs.applicationId).toBe(APP);
  });

  test("environment-when-configure-was-not-called", async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, emulatorEnv(h.emulator));
      const { outs } = await create("env-bot@contoso.com");
      expect(outs.tenantId).toBe(h.tenantId);
      // The host never inherits the secret: not in argv, not in its environment.
      const pid = (tenantParts(currentSettings()).host.hosts[0] as unknown as { child: { pid: number } }).child.pid;
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
      expect(argv.split("\0").slice(-6, -1)).toEqual([
        "-NoLogo",
        "-NoProfile",
        "-NonInteractive",
        "-File",
        require.resolve("../../protocol/teams-host.ps1"),
      ]);
      expect(argv).not.toContain(h.emulator.clientSecret);
      expect(environ).not.toContain(h.emulator.clientSecret);
      expect(environ).not.toContain("eyJ");
    } finally {
      process.env = saved;
    }
  });

  test("regress-outputs-hold-no-secret", async () => {
    await h.configure(provider);
    const { outs } = await create("secretless-bot@contoso.com");
    const text = JSON.stringify(outs);
    expect(text).not.toContain(h.emulator.clientSecret);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
    expect(Object.keys(outs).sort()).toEqual([
      "adopt",
      "applicationId",
      "displayName",
      "objectId",
      "tenantId",
      "usageLocation",
      "userPrincipalName",
    ]);
  });

  test("regress-wrong-secret-fails-clearly-without-echoing-it", async () => {
    await h.configure(provider, { clientSecret: "wrong-secret-value-123" });
    const e = await rejection(create("denied-bot@contoso.com"));
    // The first tenant-facing step of a create is the write-access check, which signs in first.
    expect(e.message).toMatch(/^getting a token for https:\/\/graph\.microsoft\.com\/\.default from .*AADSTS7000215/);
    expect(e.message).not.toContain("wrong-secret-value-123");
    expect(e.hint).toBe(
      "Check teams-bot-numbers:tenantId (AZURE_TENANT_ID), teams-bot-numbers:clientId (AZURE_CLIENT_ID) and the credential: teams-bot-numbers:clientSecret (AZURE_CLIENT_SECRET) or the certificate registered on the app, teams-bot-numbers:clientCertificatePath (AZURE_CLIENT_CERTIFICATE_PATH).",
    );
  });

  test("regress-missing-settings-name-config-and-environment", async () => {
    const saved = { ...process.env };
    try {
      for (const k of ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH"])
        delete process.env[k];
      await provider.configure!({ config: { get: () => undefined, require: () => "" } });
      // check needs no credentials: previews of invalid input work offline.
      expect(
        (
          await provider.check!(
            {},
            { userPrincipalName: "x@contoso.com", displayName: "x", applicationId: APP, usageLocation: "US" },
          )
        ).failures,
      ).toEqual([]);
      await expect(create("nocreds-bot@contoso.com")).rejects.toThrow(
        "tenant settings are incomplete:\n  - teams-bot-numbers:tenantId (or AZURE_TENANT_ID) is not set: give the directory (tenant) id.",
      );
    } finally {
      process.env = saved;
    }
  });

  test("regress-app-without-teams-role-gets-the-permission-hint", async () => {
    await h.configure(provider, { clientId: h.emulator.reader.clientId, clientSecret: h.emulator.reader.clientSecret });
    const e = await rejection(create("reader-bot@contoso.com"));
    // Refused before any tenant call: the token's roles and wids lack what a create needs (issue 16).
    expect(e.message).toMatch(
      /^creating resource account reader-bot@contoso\.com: the signed-in identity .* lacks the Teams Administrator directory role/,
    );
    expect(e.message).toMatch(/Teams Administrator/);
  });
});
