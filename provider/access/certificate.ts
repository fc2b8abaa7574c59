/**
 * Reading a client certificate: a PEM holding the certificate and its private key, checked before
 * the first token request so a wrong file is refused naming the fix (msal-node would fail later
 * with a cryptic error).
 */
import { createPrivateKey, X509Certificate, type KeyObject } from "crypto";
import { readFileSync } from "fs";

import { TenantError } from "../errors";
import { describeSetting } from "../settings";

/** The blocks of the PEM file: its certificates and its private key. */
function readPem(path: string): { certs: string[]; key: string } {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    throw new TenantError({
      operation: `reading the client certificate ${path}`,
      reason: (e as Error).message,
      hint: `Set ${describeSetting("clientCertificatePath")} to a PEM file with the certificate and its private key.`,
    });
  }
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const key = pem.match(
    /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/,
  );
  if (certs.length === 0 || !key) {
    throw new TenantError({
      operation: `reading the client certificate ${path}`,
      reason: `the file must hold a CERTIFICATE and a PRIVATE KEY block (found ${certs.length} certificate(s) and ${key ? "a" : "no"} key)`,
      hint: "Concatenate the certificate and its unencrypted private key into one PEM file.",
    });
  }
  return { certs, key: key[0] };
}

/** The problem of a certificate file: CertificateInvalid, with the fix. */
const problemOf =
  (path: string) =>
  (reason: string, hint: string): TenantError =>
    new TenantError({ operation: `reading the client certificate ${path}`, code: "CertificateInvalid", reason, hint });

/**
 * The private key, refused when msal-node could not sign with it: msal-node 7 signs the client
 * assertion itself as PS256 (jsonwebtoken, RSA keys only) from an unencrypted PEM key.
 * AZURE_CLIENT_CERTIFICATE_PASSWORD is not read.
 */
function privateKeyOf(pem: string, problem: ReturnType<typeof problemOf>): KeyObject {
  if (/ENCRYPTED/.test(pem)) {
    throw problem(
      "the private key is encrypted (password-protected); the provider needs an unencrypted key (AZURE_CLIENT_CERTIFICATE_PASSWORD is not supported)",
      `Decrypt it once into a file only the pipeline can read (\`openssl pkey -in <file> -out <key.pem>\`, then append the certificate) and point ${describeSetting("clientCertificatePath")} at that file.`,
    );
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (e) {
    throw problem(
      `the private key cannot be read (${(e as Error).message})`,
      "Export the certificate's RSA private key as an unencrypted PEM (PKCS#8 or PKCS#1) into the file.",
    );
  }
  if (keyObject.asymmetricKeyType !== "rsa" && keyObject.asymmetricKeyType !== "rsa-pss") {
    throw problem(
      `the private key is ${keyObject.asymmetricKeyType?.toUpperCase() ?? "of an unknown type"}, not RSA: msal-node signs the client assertion with PS256, which needs an RSA key`,
      `Create an RSA certificate (2048 bits or more), upload it to the app registration and point ${describeSetting("clientCertificatePath")} at it.`,
    );
  }
  return keyObject;
}

/** Reads a PEM holding the certificate and its private key: SHA-256 thumbprint, PKCS#8 key, x5c chain. */
export function readCertificate(path: string): { thumbprintSha256: string; privateKey: string; x5c: string } {
  const { certs, key } = readPem(path);
  const cert = new X509Certificate(certs[0] as string);
  const problem = problemOf(path);
  const keyObject = privateKeyOf(key, problem);
  const now = Date.now();
  if (Date.parse(cert.validTo) < now) {
    throw problem(
      `the certificate ${cert.subject.replace(/\n/g, ", ")} expired on ${new Date(cert.validTo).toISOString()}`,
      `Create a new certificate, upload it to the app registration (Certificates & secrets) and point ${describeSetting("clientCertificatePath")} at it.`,
    );
  }
  if (Date.parse(cert.validFrom) > now) {
    throw problem(
      `the certificate is not valid before ${new Date(cert.validFrom).toISOString()}`,
      "Check the clock of this machine, or use a certificate that is already valid.",
    );
  }
  if (!cert.checkPrivateKey(keyObject)) {
    throw problem(
      "the private key in the file does not belong to its first certificate",
      `Put the certificate and its own private key into the file ${describeSetting("clientCertificatePath")} points at.`,
    );
  }
  const thumbprintSha256 = cert.fingerprint256.replace(/:/g, "").toLowerCase();
  const privateKey = keyObject.export({ type: "pkcs8", format: "pem" }).toString();
  return { thumbprintSha256, privateKey, x5c: certs.join("\n") };
}
