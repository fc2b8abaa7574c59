/** Certificates for the emulator: a local CA, the HTTPS server certificate it signs, and self-signed client certs. */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import forge from "node-forge";

import { writeAtomic } from "./atomic-file";

/** A PEM certificate with its private key. */
export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

// Node's native RSA keygen is ~100x faster than forge's pure-JS one.
function newRsaKey(): { forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return { forgeKey, publicKey, keyPem };
}

function serial(): string {
  // Positive serial: clear the top bit.
  const b = crypto.randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString("hex");
}

function validity(cert: forge.pki.Certificate, days: number): void {
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
}

/** Creates a self-signed certificate (used for the CA and for client app credentials). */
export function createSelfSigned(commonName: string, opts: { ca: boolean; days: number }): CertAndKey {
  const key = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  validity(cert, opts.days);
  const attrs = [
    { name: "commonName", value: commonName },
    { name: "organizationName", value: "teams-bot-numbers emulator" },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions(
    opts.ca
      ? [
          { name: "basicConstraints", cA: true, critical: true },
          { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
          { name: "subjectKeyIdentifier" },
        ]
      : [
          { name: "basicConstraints", cA: false },
          { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        ],
  );
  cert.sign(key.forgeKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem };
}

/** Issues a server certificate for localhost / 127.0.0.1 / ::1 signed by the CA. */
export function issueServerCert(ca: CertAndKey, extraHosts: string[] = []): CertAndKey {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const key = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  validity(cert, 30);
  cert.setSubject([{ name: "commonName", value: "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames: { type: number; value?: string; ip?: string }[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
    { type: 7, ip: "::1" },
  ];
  for (const h of extraHosts) altNames.push(/^[\d.:]+$/.test(h) ? { type: 7, ip: h } : { type: 2, value: h });
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem };
}

/** Paths of the CA files inside a CA directory. */
export function caPaths(caDir: string): { caPath: string; caKeyPath: string } {
  return { caPath: path.join(caDir, "ca.pem"), caKeyPath: path.join(caDir, "ca-key.pem") };
}

/** Generates the CA once into `caDir` (ca.pem, ca-key.pem); reuses it when present. */
export function ensureCa(caDir: string): { caPath: string } {
  const { caPath, caKeyPath } = caPaths(caDir);
  if (fs.existsSync(caPath) && fs.existsSync(caKeyPath)) return { caPath };
  fs.mkdirSync(caDir, { recursive: true });
  const ca = createSelfSigned("teams-bot-numbers emulator local CA", { ca: true, days: 3650 });
  // Write the key first and the cert last, each atomically, so a concurrent reader never sees half a CA.
  writeAtomic(caKeyPath, ca.keyPem, 0o600);
  writeAtomic(caPath, ca.certPem, 0o644);
  return { caPath };
}

/** Reads the CA written by ensureCa. */
export function loadCa(caDir: string): CertAndKey {
  const { caPath, caKeyPath } = caPaths(caDir);
  return { certPem: fs.readFileSync(caPath, "utf8"), keyPem: fs.readFileSync(caKeyPath, "utf8") };
}

/** Thumbprints of a PEM certificate (hex, lower case) as Entra and MSAL use them. */
export function thumbprints(certPem: string): { sha1: string; sha256: string } {
  const x = new crypto.X509Certificate(certPem);
  const hex = (s: string): string => s.replace(/:/g, "").toLowerCase();
  return { sha1: hex(x.fingerprint), sha256: hex(x.fingerprint256) };
}
