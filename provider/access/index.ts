/**
 * Identity and access — what signs in and what it may do:
 * - catalogue.ts     Graph permissions and directory roles: who needs which, what each call names;
 * - credentials.ts   the credential kinds, how one is chosen, how it is named;
 * - tokens.ts        tokens through msal-node (certificate.ts reads a PEM; federation.ts explains a
 *                    refused federated token; assertions.ts fetches the external tokens);
 * - write-access.ts  the write guard: a change refused before any call when the identity lacks it;
 * - session.ts       the stack config of this provider process, resolved into tenant settings.
 * The public pieces (scripts read these; the tenant layer imports the files).
 */
export { AssertionSource, TOKEN_EXCHANGE_AUDIENCE, type AssertionOrigin } from "./assertions";
export * from "./catalogue";
export { describeCredential, type Credential, type CredentialKind } from "./credentials";
export { graphScope, TEAMS_ADMIN_SCOPE } from "./tokens";
