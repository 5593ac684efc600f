import { LitElement, html, nothing } from 'lit';
import type { Verification } from '../../../master/api-types.ts';
import { verificationExplanation, verificationLabel } from '../lib/verification.ts';
import { verificationBadgeStyles } from './verification-badge.styles.ts';

/**
 * How far a result can be believed, as a pill: "trusted", "verified 99.98%" or "unverified" (in a
 * warning tone, with a mark, so colour is never the only cue). Nothing for results stored before
 * verification. Its title says what the state means.
 */
export class VerificationBadge extends LitElement {
  static override styles = verificationBadgeStyles;
  static override properties = { verification: { attribute: false } };

  verification: Verification | undefined = undefined;

  protected override render() {
    const verification = this.verification;
    if (!verification) return nothing;
    return html`<span data-state=${verification.state} title=${verificationExplanation(verification)}
      >${verification.state === 'unverified' ? html`<span class="mark" aria-hidden="true">⚠ </span>` : nothing}${verificationLabel(verification)}</span
    >`;
  }
}

customElements.define('verification-badge', VerificationBadge);

declare global {
  interface HTMLElementTagNameMap {
    'verification-badge': VerificationBadge;
  }
}
