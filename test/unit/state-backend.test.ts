/** The state backend setting (engine/workspace.ts): URLs, credentials in the environment, bad input. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { backendEnv, backendUrl, offlineEnv, parseBackendUrl, StateBackend } from "../../engine/workspace";

const ACCOUNT = { AZURE_STORAGE_ACCOUNT: "contosostate", AZURE_STORAGE_KEY: "a2V5" };

describe("state backend", () => {
  test("file: URL of the directory, no credentials", () => {
    const b: StateBackend = { kind: "file", dir: "/srv/state" };
    expect(backendUrl(b)).toBe("file:///srv/state");
    expect(backendEnv(b)).toEqual({});
    expect(parseBackendUrl("file:///srv/state", {})).toEqual(b);
  });

  test("azblob on Azure: container URL without query; account and key only in the environment", () => {
    const b = parseBackendUrl("azblob://pulumi-state", ACCOUNT);
    expect(b).toEqual({ kind: "azblob", container: "pulumi-state", account: "contosostate", key: "a2V5" });
    expect(backendUrl(b)).toBe("azblob://pulumi-state");
    expect(backendEnv(b)).toEqual(ACCOUNT);
  });

  test("azblob without a key: only the account, so the CLI signs in with DefaultAzureCredential", () => {
    const b = parseBackendUrl("azblob://pulumi-state", { AZURE_STORAGE_ACCOUNT: "contosostate" });
    expect(backendEnv(b)).toEqual({ AZURE_STORAGE_ACCOUNT: "contosostate" });
  });

  test("azblob with a SAS token: passed on as AZURE_STORAGE_SAS_TOKEN", () => {
    const env = { AZURE_STORAGE_ACCOUNT: "contosostate", AZURE_STORAGE_SAS_TOKEN: "sv=2021-08-06&sp=rl&sig=x" };
    const b = parseBackendUrl("azblob://pulumi-state", env);
    expect(b).toMatchObject({ sasToken: "sv=2021-08-06&sp=rl&sig=x" });
    expect(backendEnv(b)).toEqual(env);
  });

  test("azblob on an emulator: domain, protocol=http and localemu=true round-trip", () => {
    const url = "azblob://pulumi-state?domain=127.0.0.1:10000&protocol=http&localemu=true";
    const b = parseBackendUrl(url, ACCOUNT);
    expect(b).toMatchObject({ kind: "azblob", emulatorHost: "127.0.0.1:10000" });
    expect(backendUrl(b)).toBe(url);
  });

  test.each([
    ["s3://bucket", ACCOUNT, "expected file://<dir> or azblob://<container>"],
    ["azblob://pulumi-state/prefix", ACCOUNT, "expected file://<dir> or azblob://<container>"],
    ["azblob://pulumi-state", {}, "AZURE_STORAGE_ACCOUNT is not set"],
    ["azblob://pulumi-state?localemu=true", ACCOUNT, "needs domain=<host:port>"],
  ])("bad backend %s: error names the problem", (url, env, message) => {
    expect(() => parseBackendUrl(url, env)).toThrow(message);
    expect(() => parseBackendUrl(url, env)).toThrow(`backend URL "${url}"`);
  });

  test("a shared azblob backend refuses the development passphrase; an emulator may use it", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-backend-"));
    const saved = { p: process.env.PULUMI_CONFIG_PASSPHRASE, f: process.env.PULUMI_CONFIG_PASSPHRASE_FILE };
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
    delete process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
    try {
      const azure: StateBackend = { kind: "azblob", container: "pulumi-state", account: "contosostate" };
      expect(() => offlineEnv({ backend: azure, pulumiHome: home })).toThrow(
        "state in azblob://pulumi-state: PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set",
      );
      const emulated = offlineEnv({ backend: { ...azure, emulatorHost: "127.0.0.1:10000" }, pulumiHome: home });
      expect(emulated.PULUMI_BACKEND_URL).toBe(
        "azblob://pulumi-state?domain=127.0.0.1:10000&protocol=http&localemu=true",
      );
      expect(emulated.AZURE_STORAGE_ACCOUNT).toBe("contosostate");
      process.env.PULUMI_CONFIG_PASSPHRASE = "from-the-pipeline";
      expect(offlineEnv({ backend: azure, pulumiHome: home }).PULUMI_CONFIG_PASSPHRASE).toBe("from-the-pipeline");
    } finally {
      for (const [k, v] of [
        ["PULUMI_CONFIG_PASSPHRASE", saved.p],
        ["PULUMI_CONFIG_PASSPHRASE_FILE", saved.f],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
