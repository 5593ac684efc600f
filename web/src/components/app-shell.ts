import { LitElement, html, type PropertyValues } from 'lit';
import { errorMessage } from '../lib/errors.ts';
import { ROUTES, routeFor, type Route, type RouteInfo } from '../router.ts';
import { appShellStyles } from './app-shell.styles.ts';

const APP_NAME = 'Browser Grid';

/** Page frame and client-side router: links to the app's pages change the page without a reload. */
export class AppShell extends LitElement {
  static override styles = appShellStyles;
  static override properties = {
    route: { state: true },
    loadError: { state: true },
  };

  route: Route | null = routeFor(location.pathname);
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
    if (!changed.has('route')) return;
    this.loadError = null;
    const route = this.route;
    document.title = route ? `${ROUTES[route].title} · ${APP_NAME}` : APP_NAME;
    if (!route) return;
    // The element renders as soon as its definition arrives; only a failed download needs handling.
    ROUTES[route].load().catch((error: unknown) => {
      if (this.route === route) this.loadError = `This page could not be loaded (${errorMessage(error)}). Reload to try again.`;
    });
  }

  protected override render() {
    return html`
      <a class="skip" href="#main" @click=${this.skipToMain}>Skip to content</a>
      <header>
        <span class="brand">${APP_NAME}</span>
        <nav aria-label="Main">
          <ul>
            ${(Object.entries(ROUTES) as Array<[Route, RouteInfo]>).map(
              ([route, info]) => html`
                <li>
                  <a href=${info.path} aria-current=${route === this.route ? 'page' : 'false'}>${info.title}</a>
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
    switch (this.route) {
      case 'board':
        return html`<job-board></job-board>`;
      case 'submit':
        return html`<submit-form></submit-form>`;
      case 'worker':
        return html`<worker-page></worker-page>`;
      case 'stats':
        return html`<stats-page></stats-page>`;
      case null:
        return html`<h1>Page not found</h1>
          <p>There is nothing at ${location.pathname}. <a href="/">Go to the jobs board.</a></p>`;
    }
  }

  // Fragment links cannot reach into a shadow root, so the skip link moves focus itself.
  private skipToMain(event: Event): void {
    event.preventDefault();
    this.renderRoot.querySelector('main')?.focus();
  }

  private readonly onPopState = () => {
    this.route = routeFor(location.pathname);
  };

  /** Any link to one of our pages, inside any component's shadow root, navigates in place. */
  private readonly onLinkClick = (event: MouseEvent): void => {
    const link = event.composedPath().find((target): target is HTMLAnchorElement => target instanceof HTMLAnchorElement);
    // Let the browser handle new tabs, downloads, other sites and in-page anchors.
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (link.origin !== location.origin || link.target || link.hasAttribute('download') || link.hash) return;
    const route = routeFor(link.pathname);
    if (!route) return;
    event.preventDefault();
    if (link.pathname === location.pathname && link.search === location.search) return;
    history.pushState(null, '', link.pathname + link.search);
    this.route = route;
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
