// The express application: routes, security headers, one error handler.
import express from 'express';
import type { Config } from '../config.ts';
import type { BoardStreams } from '../events/board-streams.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { WorkerIdentities } from '../identity/worker-identities.ts';
import type { OwnerKeys } from '../identity/owner-keys.ts';
import type { ImagePreparer } from '../images/prepared-image.ts';
import type { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import type { Logger } from '../log.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { MasterStats } from '../stats/master-stats.ts';
import type { JobStore } from '../store/job-store.ts';
import type { VerificationPolicyView } from '../api-types.ts';
import type { VolunteerLedger } from '../volunteers/volunteer-ledger.ts';
import { minimumBodyRate } from './body-rate.ts';
import { docsRouter } from './docs-router.ts';
import { errorHandler, notFound } from './errors.ts';
import { checkCountersGuard } from './check-counters.ts';
import { eventsRouter } from './events-router.ts';
import { exportRouter } from './export-router.ts';
import { healthRouter } from './health-router.ts';
import { jobsRouter } from './jobs-router.ts';
import { checkOrigin } from './origin-check.ts';
import { securityHeaders } from './security-headers.ts';
import { requireHost } from './bare-refusals.ts';
import { methodAnswers } from './method-not-allowed.ts';
import { apiDocument } from './openapi.ts';
import { modelRouter } from './model-router.ts';
import { ownerRouter } from './owner-router.ts';
import type { RequestRate } from './request-rate.ts';
import type { ProxyTrust } from './client-address.ts';
import { Requesters } from './requester.ts';
import { statsRouter } from './stats-router.ts';
import { closeWhenBodyUnread } from './unread-body.ts';
import { uploadSlots } from './upload-slots.ts';
import { verificationRouter } from './verification-router.ts';
import { volunteersRouter } from './volunteers-router.ts';
import { webAppRouter } from './web-app.ts';
import { workersRouter } from './workers-router.ts';

export interface AppDeps {
  config: Config;
  store: JobStore;
  lifecycle: JobLifecycle;
  workers: WorkerRegistry;
  boards: BoardStreams;
  model: ModelFiles;
  log: Logger;
  stats: MasterStats;
  ledger: VolunteerLedger;
  identities: WorkerIdentities;
  ownerKeys: OwnerKeys;
  /** Prepares each upload for the workers (the served model's input size). */
  preparer: ImagePreparer;
  /** What a volunteer's answer can do here (GET /api/verification). */
  verificationPolicy: VerificationPolicyView;
  /** true once the master has begun to stop (readiness turns 503). */
  draining: () => boolean;
  /** Requests per address, counted with the worker sockets opened (the hub's upgrades) against one allowance. */
  requestRate: RequestRate;
  /** The reverse proxies whose forwarded addresses are believed (TRUSTED_PROXIES): Express's req.ip reads them so. */
  proxyTrust: ProxyTrust;
}

export function createApp(deps: AppDeps): express.Express {
  const { config, store, lifecycle, workers, boards, model, log, stats, ledger, identities, ownerKeys, preparer, verificationPolicy, draining, requestRate } =
    deps;
  const requesters = new Requesters(config, ownerKeys);
  // The master's own description, stating its page sizes: served, and what 405 and OPTIONS answer from.
  const document = apiDocument(config);
  const { answerOptions, methodNotAllowed } = methodAnswers(document);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.proxyTrust);
  app.use(closeWhenBodyUnread);
  app.use(securityHeaders);
  app.use(requireHost);
  app.use('/api', checkOrigin(config.allowedOrigins));
  // Probes answer whatever clients do: before the request rate. /api/health reads the store's counts, so it is counted.
  app.use(healthRouter({ store, model, draining, disk: { dir: config.dataDir, minFreeBytes: config.maxUploadRequestBytes } }));
  const rate = requestRate.guard;
  app.use('/api', rate);
  // On a private board /metrics takes the admin token: counted, so that it is no place to guess the token at leisure.
  if (config.board === 'private') app.use('/metrics', rate);
  app.use(answerOptions);
  // Its leased count moves for a job dealt and not for a spot check, so on a private board it is the admin's too.
  const checkCounters = checkCountersGuard(config.board, config.adminToken);
  app.get('/api/health', checkCounters, async (_req, res) => {
    res.json({ ok: true, jobs: await store.counts(), workers: workers.size });
  });
  app.use('/api/jobs/export', exportRouter(store, log, requesters, config.board));
  app.use('/api/jobs', jobsRouter({ store, lifecycle, config, requesters, preparer, log, uploadGuards: [uploadSlots(config), minimumBodyRate(config)] }));
  app.use('/api/owner', ownerRouter(requesters, config));
  const revokeIdentity = (workerId: string) => lifecycle.revokeIdentity(workerId);
  app.use(
    '/api/workers',
    workersRouter(workers, revokeIdentity, { requesters, board: config.board, adminToken: config.adminToken, maxPage: config.maxWorkersPage }),
  );
  app.use('/api/volunteers', volunteersRouter(ledger, identities, config.maxLeaderboardPage));
  app.use('/api/events', eventsRouter(boards, requesters, config.board, config.maxEventStreamsPerAddress));
  app.use(statsRouter(stats, checkCounters));
  app.use(modelRouter(model));
  app.use(verificationRouter(verificationPolicy));
  app.use(docsRouter(document));
  app.use(methodNotAllowed);
  app.use('/api', notFound);
  app.use(webAppRouter(config.webDir, log));
  app.use(notFound);
  app.use(errorHandler(log, config));
  return app;
}
