/** Access tokens: the emulator's RS256 signing key, its JWKS, issuing and verifying. */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import jwt from "jsonwebtoken";

import { writeAtomic } from "./atomic-file";
import { ACCESS_TOKEN_LIFETIME_S } from "./constants";
import { AppRec } from "./state";

/** Issuer of the tokens Teams puts on call notifications (call-notifications.md). */
export const NOTIFICATION_ISSUER = "https://api.botframework.com";

/** Claims the emulator puts into an access token. */
export interface AccessClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  azp: string;
  oid: string;
  sub: string;
  idtyp: "app";
  roles: string[];
  /** Absent when the app's fixture says `widsClaim: false` ("claims are present only if a value exists"). */
  wids?: string[];
  iat: number;
  nbf: number;
  exp: number;
}

/** Signs and verifies access tokens with a key kept in the data dir (so tokens survive restarts). */
export class TokenService {
  private readonly privateKey: crypto.KeyObject;
  private readonly publicKey: crypto.KeyObject;
  /** Key id published in the JWKS and in token headers. */
  readonly kid: string;
  /** Signature part of the last 1000 tokens issued (GET /_emulator/tokens), so tests can prove no token leaked. */
  readonly issuedSignatures: string[] = [];
  /** Lifetime of issued access tokens (tests shorten it to prove re-acquisition during long runs). */
  lifetimeS = ACCESS_TOKEN_LIFETIME_S;

  constructor(dataDir: string) {
    const file = path.join(dataDir, "token-signing-key.pem");
    if (!fs.existsSync(file)) {
      const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
      writeAtomic(file, privateKey.export({ type: "pkcs8", format: "pem" }).toString(), 0o600);
    }
    this.privateKey = crypto.createPrivateKey(fs.readFileSync(file, "utf8"));
    this.publicKey = crypto.createPublicKey(this.privateKey);
    const der = this.publicKey.export({ type: "spki", format: "der" });
    this.kid = crypto.createHash("sha256").update(der).digest("base64url").slice(0, 27);
  }

  /** The JWKS document. */
  jwks(): object {
    const jwk = this.publicKey.export({ format: "jwk" });
    return { keys: [{ kty: "RSA", use: "sig", kid: this.kid, x5t: this.kid, n: jwk.n, e: jwk.e, alg: "RS256" }] };
  }

  /** Issues an app-only access token for one resource. */
  issue(
    app: AppRec,
    audience: string,
    roles: string[],
    issuer: string,
    tenantId: string,
  ): { token: string; expiresInS: number } {
    const now = Math.floor(Date.now() / 1000);
    const claims: AccessClaims = {
      aud: audience,
      iss: issuer,
      tid: tenantId,
      appid: app.clientId,
      azp: app.clientId,
      oid: app.servicePrincipalId,
      sub: app.servicePrincipalId,
      idtyp: "app",
      roles,
      ...(app.widsClaim === false ? {} : { wids: [...app.directoryRoles] }),
      iat: now,
      nbf: now,
      exp: now + this.lifetimeS,
    };
    const token = jwt.sign(claims, this.privateKey, {
      algorithm: "RS256",
      header: { alg: "RS256", typ: "JWT", kid: this.kid },
    });
    this.issuedSignatures.push(token.slice(token.lastIndexOf(".") + 1));
    if (this.issuedSignatures.length > 1000) this.issuedSignatures.shift();
    return { token, expiresInS: this.lifetimeS - 1 };
  }

  /**
   * Signs the bearer token of a call notification (call-notifications.md: audience the bot's app
   * id, issuer `https://api.botframework.com`, the tenant id), valid for `lifetimeS`.
   */
  signNotification(audience: string, tenantId: string, lifetimeS = 3900): string {
    const now = Math.floor(Date.now() / 1000);
    const token = jwt.sign(
      { aud: audience, iss: NOTIFICATION_ISSUER, iat: now, nbf: now, exp: now + lifetimeS, tid: tenantId },
      this.privateKey,
      { algorithm: "RS256", header: { alg: "RS256", typ: "JWT", kid: this.kid } },
    );
    this.issuedSignatures.push(token.slice(token.lastIndexOf(".") + 1));
    if (this.issuedSignatures.length > 1000) this.issuedSignatures.shift();
    return token;
  }

  /** Verifies signature and lifetime; returns claims or the reason it failed. */
  verify(
    token: string,
  ): { ok: true; claims: AccessClaims } | { ok: false; reason: "malformed" | "signature" | "expired" | "notYetValid" } {
    try {
      const claims = jwt.verify(token, this.publicKey, { algorithms: ["RS256"], clockTolerance: 5 }) as AccessClaims;
      return { ok: true, claims };
    } catch (e) {
      if (e instanceof jwt.TokenExpiredError) return { ok: false, reason: "expired" };
      if (e instanceof jwt.NotBeforeError) return { ok: false, reason: "notYetValid" };
      const msg = (e as Error).message;
      return { ok: false, reason: /malformed|jwt must be/i.test(msg) ? "malformed" : "signature" };
    }
  }
}
