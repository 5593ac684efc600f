export type Route = 'board' | 'submit' | 'worker' | 'stats';

export interface RouteInfo {
  path: string;
  title: string;
  /** Loads the page's component on first visit, so the board never downloads TensorFlow.js. */
  load: () => Promise<unknown>;
}

export const ROUTES: Record<Route, RouteInfo> = {
  board: { path: '/', title: 'Jobs', load: () => import('./components/job-board.ts') },
  submit: { path: '/submit', title: 'Submit', load: () => import('./components/submit-form.ts') },
  worker: { path: '/worker', title: 'Worker', load: () => import('./components/worker-page.ts') },
  stats: { path: '/stats', title: 'Stats', load: () => import('./components/stats-page.ts') },
};

/** The page for a location's pathname (a trailing slash is ignored), or null for an unknown one. */
export function routeFor(pathname: string): Route | null {
  const path = pathname.replace(/\/+$/, '') || '/';
  for (const [route, info] of Object.entries(ROUTES) as Array<[Route, RouteInfo]>) {
    if (info.path === path) return route;
  }
  return null;
}
