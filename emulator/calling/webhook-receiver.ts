/**
 * The bot's side of the synthetic incoming call: a local HTTPS webhook (certificate from the
 * emulator's CA) that records every notification reaching it. The demo's call (scripts/demo/call.ts)
 * and the calling tests (test/helpers/webhook-receiver.ts) point a Teams channel's callingWebhook at it.
 */
import type { IncomingHttpHeaders } from "http";
import * as https from "https";
import { AddressInfo } from "net";

import { issueServerCert, type CertAndKey } from "../certs";

export interface Receiver {
  /** https://localhost:<port>/api/calling */
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the notification's untyped JSON body
  received: { headers: IncomingHttpHeaders; body: any }[];
  /** What the receiver answers (default 202). */
  status: number;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 with a server certificate issued by `ca`. */
export async function webhookReceiver(ca: CertAndKey): Promise<Receiver> {
  const cert = issueServerCert(ca);
  const r: Receiver = { url: "", received: [], status: 202, close: async () => undefined };
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString("utf8")));
    req.on("end", () => {
      r.received.push({ headers: req.headers, body: JSON.parse(text) });
      res.writeHead(r.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  r.url = `https://localhost:${(server.address() as AddressInfo).port}/api/calling`;
  r.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return r;
}
