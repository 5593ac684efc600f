import { css } from 'lit';

/** A small square image tile (\`.thumb\`); each component sets its size and grid area. */
export const thumbnailStyles = css`
  .thumb {
    border-radius: calc(var(--radius) / 1.5);
    overflow: hidden;
    background: var(--surface-2);
  }
  .thumb img {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  .thumb img[hidden] {
    display: none;
  }
  /* No image any more (retention): words in its place, never a broken image. */
  .thumb.expired {
    display: grid;
    place-items: center;
    padding: 0.2rem;
    color: var(--muted);
    font-size: 0.7rem;
    line-height: 1.15;
    text-align: center;
  }
`;
