/** The N bots of a benchmark run and the 10 % number change, from the bench fixture's numbers. */
import type { BotEntry } from "../stacks/config";

/** One bot as the stack config declares it: with its app id and a Calling Plan number. */
export type BenchBot = BotEntry & { appId: string; phoneNumber: string; numberType: "CallingPlan" };

/** The bench fixture's i-th service number (+14255560000 + i; 240 of them). */
export function benchNumber(i: number): string {
  if (i < 0 || i >= 240) throw new Error(`the bench fixture has numbers 0..239, not ${i}`);
  return `+1425556${String(i).padStart(4, "0")}`;
}

/** N bots: bench-bot-000 … with numbers 0 … N-1 and distinct app ids. */
export function benchBots(n: number): BenchBot[] {
  return Array.from({ length: n }, (_, i) => {
    const k = String(i).padStart(3, "0");
    return {
      name: `bench-bot-${k}`,
      userPrincipalName: `bench-bot-${k}@contoso.com`,
      displayName: `Bench Bot ${k}`,
      appId: `b0b00000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      usageLocation: "US",
      phoneNumber: benchNumber(i),
      numberType: "CallingPlan",
    };
  });
}

/** 10 % of the bots (at least one) move to unused numbers N, N+1, …; returns the new bot list and the changes. */
export function changeTenPercent(bots: BenchBot[]): {
  bots: BenchBot[];
  changes: { bot: BenchBot; newNumber: string }[];
} {
  const count = Math.max(1, Math.round(bots.length / 10));
  const changes = bots.slice(0, count).map((bot, i) => ({ bot, newNumber: benchNumber(bots.length + i) }));
  const moved = new Map(changes.map((c) => [c.bot.name, c.newNumber]));
  return { bots: bots.map((b) => (moved.has(b.name) ? { ...b, phoneNumber: moved.get(b.name)! } : b)), changes };
}
