/**
 * Test helper: a clock the test moves, for the emulator's time-based behaviour (licence
 * provisioning, replication, number operations' phases, the Teams and usage-location lags). The
 * emulator runs inside the test process and reads `Date.now()`; Jest fakes `Date` only, so timers,
 * sockets and HTTP stay real while emulator time moves only when the test says so. A phase a test
 * asserts ("still provisioning", "notStarted") then holds however busy the machine is.
 *
 *   const clock = useTestClock();      // in a describe (or at top level): from beforeAll to afterAll
 *   clock.advance(2_000);              // the emulator sees two seconds pass, at once
 *
 * Everything in the test process that reads Date sees the same clock (MSAL's token expiry, the
 * emulator's token times), so keep the advances to minutes, not hours.
 */

/** Everything Jest can fake except `Date` (FakeableAPI: @types/jest). */
const REAL: FakeableAPI[] = [
  "hrtime",
  "nextTick",
  "performance",
  "queueMicrotask",
  "requestAnimationFrame",
  "cancelAnimationFrame",
  "requestIdleCallback",
  "cancelIdleCallback",
  "setImmediate",
  "clearImmediate",
  "setInterval",
  "clearInterval",
  "setTimeout",
  "clearTimeout",
];
/** A clock that moves only when told. */
export interface TestClock {
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
}

/** Installs the clock for the enclosing describe (or file): fake `Date` from beforeAll, real again after afterAll. */
export function useTestClock(): TestClock {
  beforeAll(() => {
    jest.useFakeTimers({ doNotFake: REAL, now: Date.now() });
  });
  afterAll(() => {
    jest.useRealTimers();
  });
  return {
    advance(ms) {
      jest.setSystemTime(Date.now() + ms);
    },
  };
}
