/**
 * A local HTTPS webhook receiver (certificate from the emulator's CA) that records what reaches it:
 * the bot's calling webhook in tests of the synthetic incoming call.
 */
import type { IncomingHttpHeaders } from "http";
import * as https from "https";
import { AddressInfo } from "net";

import { issueServerCert, loadCa } from "../../emulator/certs";
import { testCaDir } from "./emulator";

export interface Receiver {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the notification's untyped JSON body
  received: { headers: IncomingHttpHeaders; body: any }[];
  /** What the receiver answers (default 202). */
  status: number;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1; its URL ends in /api/calling. */
export async function webhookReceiver(): Promise<Receiver> {
  const cert = issueServerCert(loadCa(testCaDir()));
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
