import { LitElement, html, type PropertyValues } from 'lit';
import { errorMessage } from '../lib/errors.ts';
import { ROUTES, routeFor, type Location, type Route, type RouteInfo } from '../router.ts';
import { appShellStyles } from './app-shell.styles.ts';

const APP_NAME = 'Browser Grid';
/** The pages one can go to from anywhere (a job's page needs its id). */
const NAV_PAGES = (Object.entries(ROUTES) as Array<[Route, RouteInfo]>).filter(([, info]) => info.nav);

/** Page frame and client-side router: links to the app's pages change the page without a reload. */
export class AppShell extends LitElement {
  static override styles = appShellStyles;
  static override properties = {
    page: { state: true },
    loadError: { state: true },
  };

  page: Location | null = routeFor(location.pathname);
  loadError: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.onPopState);
    this.addEventListener('click', this.onLinkClick);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('popstate', this.onPopState);
    this.removeEventListener('click', this.onLinkClick);
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('page')) return;
    this.loadError = null;
    const page = this.page;
    document.title = page ? `${ROUTES[page.route].title} · ${APP_NAME}` : `Page not found · ${APP_NAME}`;
    if (!page) return;
    // The element renders as soon as its definition arrives; only a failed download needs handling.
    ROUTES[page.route].load().catch((error: unknown) => {
      if (this.page === page) this.loadError = `This page could not be loaded (${errorMessage(error)}). Reload to try again.`;
    });
  }

  protected override render() {
    return html`
      <a class="skip" href="#main" @click=${this.skipToMain}>Skip to content</a>
      <header>
        <a class="brand" href="/"><span class="logo" aria-hidden="true"></span>${APP_NAME}</a>
        <nav aria-label="Main">
          <ul>
            ${NAV_PAGES.map(
              ([route, info]) => html`
                <li>
                  <a href=${info.path} aria-current=${route === this.current ? 'page' : 'false'}>${info.title}</a>
                </li>
              `,
            )}
          </ul>
        </nav>
      </header>
      <main id="main" tabindex="-1">${this.renderPage()}</main>
    `;
  }

  private renderPage() {
    if (this.loadError) return html`<p class="problem" role="alert">${this.loadError}</p>`;
    switch (this.page?.route ?? null) {
      case 'board':
        return html`<job-board></job-board>`;
      case 'job':
        return html`<job-detail job-id=${this.page!.id!}></job-detail>`;
      case 'submit':
        return html`<submit-page></submit-page>`;
      case 'worker':
        return html`<worker-page></worker-page>`;
      case 'volunteers':
        return html`<volunteers-page></volunteers-page>`;
      case 'stats':
        return html`<stats-page></stats-page>`;
      case null:
        // The address is not echoed: anyone can link here with a path that reads as their own sentence (as job-detail.ts).
        return html`<h1>Page not found</h1>
          <p>There is no page at this address. These are the site's pages:</p>
          <ul>
            ${NAV_PAGES.map(([, info]) => html`<li><a href=${info.path}>${info.title}</a></li>`)}
          </ul>`;
    }
  }

  /** The nav entry to mark: a job's page belongs to the board. */
  private get current(): Route | null {
    return this.page?.route === 'job' ? 'board' : (this.page?.route ?? null);
  }

  // Fragment links cannot reach into a shadow root, so the skip link moves focus itself.
  private skipToMain(event: Event): void {
    event.preventDefault();
    this.renderRoot.querySelector('main')?.focus();
  }

  private readonly onPopState = () => {
    this.page = routeFor(location.pathname);
  };

  /** Any link to one of our pages, inside any component's shadow root, navigates in place. */
  private readonly onLinkClick = (event: MouseEvent): void => {
    const link = event.composedPath().find((target): target is HTMLAnchorElement => target instanceof HTMLAnchorElement);
    // Let the browser handle new tabs, downloads, other sites and in-page anchors.
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (link.origin !== location.origin || link.target || link.hasAttribute('download') || link.hash) return;
    const page = routeFor(link.pathname);
    if (!page) return;
    event.preventDefault();
    if (link.pathname === location.pathname && link.search === location.search) return;
    history.pushState(null, '', link.pathname + link.search);
    this.page = page;
    window.scrollTo(0, 0);
    // Screen readers should land on the new page, not stay in the nav.
    void this.updateComplete.then(() => this.renderRoot.querySelector('main')?.focus({ preventScroll: true }));
  };
}

customElements.define('app-shell', AppShell);

declare global {
  interface HTMLElementTagNameMap {
    'app-shell': AppShell;
  }
}
