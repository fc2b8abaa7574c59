/**
 * Local OpenID Connect issuers that stand in for the token issuers of CI systems and clusters
 * (GitHub Actions, Azure DevOps, a Kubernetes cluster): each has its own RS256 key, a discovery
 * document and a JWKS under `<emulator>/oidc/<name>`, and mints ID tokens for tests. Besides
 * minting on request (`POST /_emulator/identity/mint`), the GitHub and Azure DevOps issuers answer
 * the request endpoints a runner gives its jobs (ACTIONS_ID_TOKEN_REQUEST_URL, SYSTEM_OIDCREQUESTURI),
 * authenticated by a per-job request token, so the provider can be tested the way it runs in CI.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import jwt from "jsonwebtoken";

import { writeAtomic } from "./atomic-file";

/** Names of the local issuers. */
export const ISSUER_NAMES = ["github", "azure-devops", "kubernetes"] as const;
/** A local issuer name. */
export type IssuerName = (typeof ISSUER_NAMES)[number];
/** Audience Entra expects in federated tokens (Graph federatedIdentityCredential `audiences`). */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/** Default lifetime of a minted ID token. */
export const DEFAULT_ID_TOKEN_LIFETIME_S = 300;

/** What a test asks the issuer to mint. */
export interface MintRequest {
  issuer: IssuerName;
  subject: string;
  audience?: string;
  lifetimeS?: number;
  /** Seconds to shift `iat`/`nbf`/`exp` (negative = in the past, to mint an expired token). */
  offsetS?: number;
  /** Sign with a key that is not in the issuer's JWKS (a forged token). */
  forge?: boolean;
  /** Extra claims (e.g. repository, ref). */
  claims?: Record<string, unknown>;
}

/** A CI job registered with the broker: its request token (kept as a hash) and the identity it gets. */
interface Job {
  kind: "github" | "azure-devops";
  requestTokenSha256: string;
  subject: string;
  lifetimeS: number;
  /** Azure DevOps: the service connection id the job may ask a token for. */
  serviceConnectionId?: string;
}

/** Outcome of verifying a token against the local issuers. */
export type IssuerVerdict =
  { ok: true; claims: jwt.JwtPayload } | { ok: false; reason: "unknownIssuer" | "signature" | "malformed" };

function sha256(s: string): string {
  return crypto.createHash("sha256").update(s, "utf8").digest("hex");
}

/** The local issuers, their keys (kept in the data dir) and the CI token broker. */
export class OidcIssuers {
  private readonly keys = new Map<IssuerName, { privateKey: crypto.KeyObject; kid: string }>();
  private readonly forger = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  private readonly jobs: Job[] = [];
  /** ID tokens minted per issuer (a run that re-acquires shows more than one). */
  readonly minted: Record<IssuerName, number> = { github: 0, "azure-devops": 0, kubernetes: 0 };
  /** Signature part of every minted ID token, so tests can prove none leaked. */
  readonly mintedSignatures: string[] = [];
  /** Base URL of the emulator (set once it listens). */
  baseUrl = "";

  constructor(dataDir: string) {
    for (const name of ISSUER_NAMES) {
      const file = path.join(dataDir, `oidc-${name}-key.pem`);
      if (!fs.existsSync(file)) {
        const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        writeAtomic(file, privateKey.export({ type: "pkcs8", format: "pem" }).toString(), 0o600);
      }
      const privateKey = crypto.createPrivateKey(fs.readFileSync(file, "utf8"));
      const der = crypto.createPublicKey(privateKey).export({ type: "spki", format: "der" });
      this.keys.set(name, { privateKey, kid: crypto.createHash("sha256").update(der).digest("hex").slice(0, 40) });
    }
  }

  /** The issuer URL (`iss`) of a local issuer. */
  issuerUrl(name: IssuerName): string {
    return `${this.baseUrl}/oidc/${name}`;
  }

  /** The local issuer with this URL, if any. */
  byUrl(iss: string): IssuerName | undefined {
    return ISSUER_NAMES.find((n) => this.issuerUrl(n) === iss);
  }

  /** OpenID Provider metadata (OpenID Connect Discovery 1.0 §3) of a local issuer. */
  discovery(name: IssuerName): object {
    const iss = this.issuerUrl(name);
    return {
      issuer: iss,
      jwks_uri: `${iss}/jwks`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public", "pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid"],
      claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"],
    };
  }

  /** The JWKS of a local issuer. */
  jwks(name: IssuerName): object {
    const k = this.keys.get(name)!;
    const jwk = crypto.createPublicKey(k.privateKey).export({ format: "jwk" });
    return { keys: [{ kty: "RSA", use: "sig", alg: "RS256", kid: k.kid, n: jwk.n, e: jwk.e }] };
  }

  /** Mints an ID token. */
  mint(m: MintRequest): string {
    const k = this.keys.get(m.issuer);
    if (!k) throw new Error(`unknown issuer ${m.issuer}`);
    const now = Math.floor(Date.now() / 1000) + (m.offsetS ?? 0);
    const lifetime = m.lifetimeS ?? DEFAULT_ID_TOKEN_LIFETIME_S;
    const token = jwt.sign(
      {
        ...m.claims,
        jti: crypto.randomUUID(),
        sub: m.subject,
        aud: m.audience ?? TOKEN_EXCHANGE_AUDIENCE,
        iss: this.issuerUrl(m.issuer),
        iat: now,
        nbf: now,
        exp: now + lifetime,
      },
      m.forge ? this.forger : k.privateKey,
      { algorithm: "RS256", header: { alg: "RS256", typ: "JWT", kid: k.kid } },
    );
    this.minted[m.issuer] += 1;
    this.mintedSignatures.push(token.slice(token.lastIndexOf(".") + 1));
    if (this.mintedSignatures.length > 1000) this.mintedSignatures.shift();
    return token;
  }

  /** Verifies a token's signature against the local issuer named by its `iss` (lifetime not checked). */
  verify(token: string): IssuerVerdict {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === "string") return { ok: false, reason: "malformed" };
    const name = typeof decoded.payload.iss === "string" ? this.byUrl(decoded.payload.iss) : undefined;
    if (!name) return { ok: false, reason: "unknownIssuer" };
    try {
      const claims = jwt.verify(token, crypto.createPublicKey(this.keys.get(name)!.privateKey), {
        algorithms: ["RS256"],
        ignoreExpiration: true,
        ignoreNotBefore: true,
      }) as jwt.JwtPayload;
      return { ok: true, claims };
    } catch {
      return { ok: false, reason: "signature" };
    }
  }

  /** Registers a CI job; returns its request token (the broker keeps only its hash). */
  registerJob(j: {
    kind: "github" | "azure-devops";
    subject: string;
    lifetimeS?: number;
    serviceConnectionId?: string;
  }): string {
    const requestToken = crypto.randomBytes(32).toString("base64url");
    this.jobs.push({
      kind: j.kind,
      requestTokenSha256: sha256(requestToken),
      subject: j.subject,
      lifetimeS: j.lifetimeS ?? DEFAULT_ID_TOKEN_LIFETIME_S,
      serviceConnectionId: j.serviceConnectionId?.toLowerCase(),
    });
    return requestToken;
  }

  /** The job a request token belongs to. */
  job(kind: Job["kind"], requestToken: string | undefined): Job | undefined {
    if (!requestToken) return undefined;
    const h = sha256(requestToken);
    return this.jobs.find((j) => j.kind === kind && j.requestTokenSha256 === h);
  }

  /** Forgets registered jobs and counters (reset). */
  reset(): void {
    this.jobs.length = 0;
    for (const n of ISSUER_NAMES) this.minted[n] = 0;
  }
}
