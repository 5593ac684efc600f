import { browserFamily } from '../worker-runtime/browser-family.ts';
import { WorkerRuntime } from '../worker-runtime/runtime.ts';
import { parseWorkerParams, rememberedWorkerName } from '../worker-runtime/worker-params.ts';
import { BatteryPause, type BatteryLike } from './battery-pause.ts';
import { ContributionTally } from './contribution.ts';
import { DonorLimitsSetting } from './donor-limits.ts';
import { forgetFleetToken, takeFleetToken } from './fleet-token.ts';
import { HiddenTabPause } from './hidden-pause.ts';
import { VolunteerIdentity } from './volunteer-identity.ts';

// One worker per tab, made on the first visit to /worker: it keeps working while the
// volunteer looks at other pages of the app, so it lives here and not in the page component.

const workerParams = parseWorkerParams(location.search, navigator.webdriver);
/** The fleet token this tab presents; none once the master refused it (runAsVolunteer). */
let fleetToken = takeFleetToken(location, history, () => sessionStorage);
/** This tab runs as the operator's fleet worker (trusted once the master takes its token), not as a volunteer's. */
export const isFleetTab = () => fleetToken !== undefined;

export const identity = new VolunteerIdentity(() => localStorage, fleetToken !== undefined ? 'fleet' : 'volunteer');

/**
 * How often a component showing the runtime may render, ms. The runtime changes several times an image; a person reads
 * a few updates a second, and each render is the page thread's time, taken from the model.
 */
export const RUNTIME_RENDER_MS = 250;

export const runtime = new WorkerRuntime({
  name: workerParams.name ?? rememberedWorkerName(() => localStorage),
  kind: workerParams.kind,
  backend: workerParams.backend,
  identity,
  fleetToken: () => fleetToken,
  onFleetTokenRefused: runAsVolunteer,
  browser: browserFamily(navigator.userAgent),
});
runtime.setDisplayName(identity.displayName);

/** The master refused the tab's fleet token: neither this load nor a reload presents it again; the tab is a volunteer's. */
function runAsVolunteer(): void {
  fleetToken = undefined;
  forgetFleetToken(() => sessionStorage);
  identity.becomeVolunteer();
}

export const contribution = new ContributionTally(() => localStorage);
runtime.subscribe(() => contribution.sync(runtime.status.jobsDone));

export const hiddenPause = new HiddenTabPause(runtime, document, () => localStorage);

const getBattery = (navigator as unknown as { getBattery?: () => Promise<BatteryLike> }).getBattery?.bind(navigator);
export const batteryPause = new BatteryPause(
  runtime,
  getBattery,
  () => localStorage,
  () => runtime.dispatchEvent(new Event('change')),
);

export const donorLimits = new DonorLimitsSetting(
  (limits) => runtime.setLimits(limits),
  () => localStorage,
);

let autostarted = false;

/**
 * ?autostart=1 starts once per tab, with no click: the headless fleet depends on it. Only in a browser under remote
 * control (navigator.webdriver: the fleet's, a test's), which no link can make a person's browser be: a stranger's
 * link must not set a visitor's machine working before the visitor presses Start (nor name it: parseWorkerParams).
 */
export function autostartOnce(): void {
  if (!workerParams.autostart || !navigator.webdriver || autostarted) return;
  autostarted = true;
  void runtime.start();
}
