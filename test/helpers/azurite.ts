/**
 * Test helper: Azurite (Microsoft's Azure Storage emulator, npm `azurite`), blob service only, on
 * 127.0.0.1 with an ephemeral port and a fresh temp workspace, plus the few signed Blob REST calls
 * the tests need (create a container, list and read blobs). Stable API:
 *
 *   const az = await startAzurite();                  // az.host = "127.0.0.1:<port>"
 *   await az.createContainer("pulumi-state");
 *   await az.listBlobs("pulumi-state")                // names, e.g. ".pulumi/meta.yaml"
 *   await az.getBlob("pulumi-state", name)            // the blob's bytes as text
 *   az.accountSas("rl", expiresOn)                    // an account SAS token (blob service), e.g. read + list
 *   az.location                                       // Azurite's data on disk (blobs + metadata)
 *   await az.stop();                                  // stops the process, removes the workspace
 *
 * Requests use Shared Key authorization with the emulator's well-known account (devstoreaccount1),
 * as documented in "Authorize with Shared Key" (learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key)
 * and "Connect to Azurite" (learn.microsoft.com/azure/storage/common/storage-connect-azurite); SAS
 * tokens as in "Create an account SAS" (learn.microsoft.com/rest/api/storageservices/create-account-sas).
 */
import { ChildProcess, spawn } from "child_process";
import { createHmac } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { REPO_ROOT } from "./emulator";

/** Azurite's well-known account name (the legacy storage emulator's). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
/** Azurite's well-known account key: public, documented by Microsoft, accepted only by the emulator. */
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/** Blob service REST version sent with each request. */
const API_VERSION = "2021-08-06";

/** A running Azurite blob service. */
export interface Azurite {
  /** "127.0.0.1:<port>", the blob endpoint without scheme and account. */
  host: string;
  port: number;
  account: string;
  key: string;
  /** Azurite's workspace directory (blob extents and its metadata database). */
  location: string;
  /** Azurite's pid (the tests check it is gone after stop). */
  pid: number;
  /** Create Container; resolves when Azurite answered 201 Created. */
  createContainer(container: string): Promise<void>;
  /** List Blobs: every blob name in the container (optionally under a prefix), sorted. */
  listBlobs(container: string, prefix?: string): Promise<string[]>;
  /** Get Blob: the content as UTF-8 text. */
  getBlob(container: string, name: string): Promise<string>;
  /** Account SAS token for the blob service, containers and objects, with these permissions (e.g. "rl"). */
  accountSas(permissions: string, expiresOn: Date): string;
  stop(): Promise<void>;
}

/** Starts `azurite-blob` from node_modules on 127.0.0.1:0 in a fresh temp workspace. */
export async function startAzurite(): Promise<Azurite> {
  const location = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-azurite-"));
  const main = path.join(REPO_ROOT, "node_modules", "azurite", "dist", "src", "blob", "main.js");
  const child = spawn(
    process.execPath,
    [main, "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", location, "--silent", "--disableTelemetry"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  let port: number;
  try {
    port = await listeningPort(child);
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    fs.rmSync(location, { recursive: true, force: true });
    throw err;
  }
  const host = `127.0.0.1:${port}`;
  const call = (method: string, resource: string, query: Record<string, string> = {}): Promise<Response> =>
    signedRequest({ host, account: AZURITE_ACCOUNT, key: AZURITE_KEY, method, resource, query });
  const expectStatus = async (res: Response, status: number, what: string): Promise<string> => {
    const text = await res.text();
    if (res.status !== status) throw new Error(`Azurite ${what}: HTTP ${res.status} (expected ${status}) ${text}`);
    return text;
  };
  return {
    host,
    port,
    account: AZURITE_ACCOUNT,
    key: AZURITE_KEY,
    location,
    pid: child.pid!,
    async createContainer(container) {
      await expectStatus(await call("PUT", container, { restype: "container" }), 201, `create container ${container}`);
    },
    async listBlobs(container, prefix) {
      const names: string[] = [];
      let marker = "";
      do {
        const query: Record<string, string> = { restype: "container", comp: "list" };
        if (prefix) query.prefix = prefix;
        if (marker) query.marker = marker;
        const xml = await expectStatus(await call("GET", container, query), 200, `list blobs in ${container}`);
        for (const m of xml.matchAll(/<Blob>[\s\S]*?<Name>([\s\S]*?)<\/Name>/g)) names.push(xmlText(m[1]!));
        marker = xmlText(/<NextMarker>([\s\S]*?)<\/NextMarker>/.exec(xml)?.[1] ?? "");
      } while (marker);
      return names.sort();
    },
    async getBlob(container, name) {
      return expectStatus(await call("GET", `${container}/${name}`), 200, `get blob ${container}/${name}`);
    },
    accountSas(permissions, expiresOn) {
      return accountSas(AZURITE_ACCOUNT, AZURITE_KEY, permissions, expiresOn);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(location, { recursive: true, force: true });
    },
  };
}

/** Waits for Azurite's "successfully listens on http://127.0.0.1:<port>" line. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within 30 s:\n${out}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /successfully listens on https?:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (code ${code}) before listening:\n${out}`));
    });
  });
}

/**
 * Account SAS (version 2020-12-06 and later): the base64 HMAC-SHA256 of the account name, signed
 * permissions, services (b), resource types (c = container, o = object), start (none), expiry,
 * IP range (none), protocol (any), version and encryption scope (none), each followed by a newline.
 */
function accountSas(account: string, key: string, permissions: string, expiresOn: Date): string {
  const se = expiresOn.toISOString().replace(/\.\d{3}Z$/, "Z");
  const stringToSign = [account, permissions, "b", "co", "", se, "", "", API_VERSION, "", ""].join("\n");
  const sig = createHmac("sha256", Buffer.from(key, "base64")).update(stringToSign, "utf8").digest("base64");
  return new URLSearchParams({ sv: API_VERSION, ss: "b", srt: "co", sp: permissions, se, sig }).toString();
}

/** Decodes the five predefined XML entities. */
function xmlText(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/**
 * One Blob service request without a body, signed with Shared Key: the signature is the base64
 * HMAC-SHA256, keyed with the account key, of the verb, eleven standard header lines (all empty
 * here), the sorted `x-ms-*` headers and the canonicalized resource (`/account/path` then each
 * query parameter as `\nname:value`, names lower-case and sorted). The emulator takes the account
 * from the first path segment, so it appears twice in the resource.
 */
function signedRequest(o: {
  host: string;
  account: string;
  key: string;
  method: string;
  resource: string;
  query: Record<string, string>;
}): Promise<Response> {
  const urlPath = `/${o.account}/${o.resource.split("/").map(encodeURIComponent).join("/")}`;
  const headers: Record<string, string> = { "x-ms-date": new Date().toUTCString(), "x-ms-version": API_VERSION };
  const canonicalHeaders = Object.keys(headers)
    .sort()
    .map((h) => `${h}:${headers[h]}\n`)
    .join("");
  const canonicalQuery = Object.keys(o.query)
    .map((k) => k.toLowerCase())
    .sort()
    .map((k) => `\n${k}:${o.query[k]}`)
    .join("");
  const stringToSign = `${o.method}\n${"\n".repeat(11)}${canonicalHeaders}/${o.account}${urlPath}${canonicalQuery}`;
  const signature = createHmac("sha256", Buffer.from(o.key, "base64")).update(stringToSign, "utf8").digest("base64");
  const qs = new URLSearchParams(o.query).toString();
  return fetch(`http://${o.host}${urlPath}${qs ? `?${qs}` : ""}`, {
    method: o.method,
    headers: { ...headers, authorization: `SharedKey ${o.account}:${signature}` },
  });
}
