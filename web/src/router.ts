export type Route = 'board' | 'job' | 'submit' | 'worker' | 'volunteers' | 'stats';

export interface RouteInfo {
  /** The path, with ":id" standing for a job id. */
  path: string;
  title: string;
  /** Shown in the main navigation. */
  nav: boolean;
  /** Loads the page's component on first visit, so the board never downloads TensorFlow.js. */
  load: () => Promise<unknown>;
}

export const ROUTES: Record<Route, RouteInfo> = {
  board: { path: '/', title: 'Jobs', nav: true, load: () => import('./components/job-board.ts') },
  job: { path: '/jobs/:id', title: 'Job', nav: false, load: () => import('./components/job-detail.ts') },
  submit: { path: '/submit', title: 'Submit', nav: true, load: () => import('./components/submit-page.ts') },
  worker: { path: '/worker', title: 'Donate compute', nav: true, load: () => import('./components/worker-page.ts') },
  volunteers: { path: '/volunteers', title: 'Volunteers', nav: true, load: () => import('./components/volunteers-page.ts') },
  stats: { path: '/stats', title: 'Stats', nav: true, load: () => import('./components/stats-page.ts') },
};

export interface Location {
  route: Route;
  /** The job id, on the job page. */
  id: string | null;
}

/** The page for a location's pathname (a trailing slash is ignored), or null for an unknown one. */
export function routeFor(pathname: string): Location | null {
  const path = pathname.replace(/\/+$/, '') || '/';
  for (const [route, info] of Object.entries(ROUTES) as Array<[Route, RouteInfo]>) {
    if (info.path === path) return { route, id: null };
  }
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job) {
    try {
      return { route: 'job', id: decodeURIComponent(job[1]!) };
    } catch {
      return null; // malformed escape: no such page
    }
  }
  return null;
}

export const jobPagePath = (id: string) => `/jobs/${encodeURIComponent(id)}`;

/** Moves to another page of the app from code; the shell follows popstate as for Back and Forward. */
export function navigate(path: string): void {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
