// What a page gives its worker runtime: who it is, the identity it keeps and the fleet token its tab holds.
import type { BrowserFamily, WorkerIdentity, WorkerKind } from '../../../master/protocol.ts';
import type { BackendName } from './backend-choice.ts';

/** Keeps the identity the master issued (localStorage on the page), presented in every hello. */
export interface IdentityKeeper {
  readonly current: WorkerIdentity | null;
  remember(identity: WorkerIdentity): void;
  forget(): void;
}

export interface RuntimeOptions {
  name: string;
  kind: WorkerKind;
  /** Who is credited for the work: the identity the master issued. */
  identity: IdentityKeeper;
  /** The operator's fleet token the tab holds (from the fleet's page URL fragment), read at each hello: makes this worker trusted. */
  fleetToken?: () => string | undefined;
  /** The master refused the fleet token: the page drops it, so no later hello presents it, and runs as a volunteer's. */
  onFleetTokenRefused?: () => void;
  /** A backend asked for by name (see chooseBackend); the fastest when absent. */
  backend?: BackendName | null;
  /** Browser family, for per-browser totals. */
  browser?: BrowserFamily;
}
