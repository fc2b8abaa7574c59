/**
 * The calling tests' webhook receiver: the emulator's (emulator/calling/webhook-receiver.ts) with the
 * test CA, so the emulator under test trusts it.
 */
import { webhookReceiver as startReceiver, type Receiver } from "../../emulator/calling/webhook-receiver";
import { loadCa } from "../../emulator/certs";
import { testCaDir } from "./emulator";

export type { Receiver } from "../../emulator/calling/webhook-receiver";

/** Starts a receiver on 127.0.0.1; its URL ends in /api/calling. */
export function webhookReceiver(): Promise<Receiver> {
  return startReceiver(loadCa(testCaDir()));
}
