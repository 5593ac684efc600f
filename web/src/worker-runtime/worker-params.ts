import { KNOWN_BACKENDS, MAX_WORKER_NAME_LENGTH, WorkerKind } from '../../../master/protocol.ts';
import { nameProblem, withoutHidden } from '../../../master/shown-text.ts';
import type { BackendName } from './backend-choice.ts';

export interface WorkerParams {
  /** Start without a click (the headless fleet opens /worker?autostart=1), in a browser under remote control only. */
  autostart: boolean;
  kind: WorkerKind;
  /**
   * Name given in the URL, in a browser under remote control only (the fleet's, a test's); null to use this browser's
   * remembered name. A link anyone can post must not choose the name a visitor's worker is listed under.
   */
  name: string | null;
  /** A backend to use instead of the fastest (?backend=cpu), to measure how backends disagree; null for the usual choice. */
  backend: BackendName | null;
}

const NAME_STORAGE_KEY = 'grid-worker-name';

/** `underRemoteControl`: navigator.webdriver, which no link can make a person's browser be. */
export function parseWorkerParams(search: string, underRemoteControl: boolean): WorkerParams {
  const params = new URLSearchParams(search);
  const name = underRemoteControl ? nameFromUrl(params.get('name') ?? '') : null;
  const autostart = ['1', 'true', 'yes'].includes(params.get('autostart') ?? '');
  const kind = WorkerKind.safeParse(params.get('kind'));
  const backend = KNOWN_BACKENDS.find((known) => known === params.get('backend')) ?? null;
  return { autostart, kind: kind.success ? kind.data : 'volunteer', name, backend };
}

/**
 * A name the master would refuse is never welcomed, and the page would reconnect with it forever. Hidden characters go,
 * after the cut (counted in UTF-16 units, as the master counts): it may leave a joiner with nothing after it or half an
 * emoji (a lone surrogate). A name still refused (the blank braille pattern, a letter under 5 marks) gives way to the
 * remembered one.
 */
function nameFromUrl(asked: string): string | null {
  const name = withoutHidden(asked.slice(0, MAX_WORKER_NAME_LENGTH)).trim();
  return name && !nameProblem(name.normalize('NFC')) ? name : null;
}

const ADJECTIVES = [
  'amber',
  'brisk',
  'calm',
  'dusky',
  'eager',
  'fuzzy',
  'gentle',
  'hazel',
  'ivory',
  'jolly',
  'keen',
  'lucky',
  'mellow',
  'nimble',
  'olive',
  'plucky',
  'quiet',
  'rusty',
  'sunny',
  'tidy',
  'urban',
  'vivid',
  'witty',
  'zesty',
];
const ANIMALS = [
  'otter',
  'badger',
  'heron',
  'lynx',
  'marten',
  'newt',
  'owl',
  'panda',
  'quail',
  'raven',
  'seal',
  'tapir',
  'vole',
  'wombat',
  'yak',
  'zebra',
  'ibis',
  'koala',
  'lemur',
  'moose',
];

/** A name people can read out, e.g. "plucky-heron-417". */
export function randomWorkerName(random: () => number = Math.random): string {
  const pick = (words: readonly string[]) => words[Math.floor(random() * words.length)]!;
  return `${pick(ADJECTIVES)}-${pick(ANIMALS)}-${Math.floor(random() * 1000)}`;
}

/** This browser's worker name, kept in localStorage so a volunteer stays recognisable across visits. */
export function rememberedWorkerName(storage: () => Pick<Storage, 'getItem' | 'setItem'>): string {
  try {
    const store = storage(); // merely touching localStorage throws when the browser blocks it
    const saved = store.getItem(NAME_STORAGE_KEY);
    if (saved) return saved.slice(0, MAX_WORKER_NAME_LENGTH);
    const name = randomWorkerName();
    store.setItem(NAME_STORAGE_KEY, name);
    return name;
  } catch {
    return randomWorkerName(); // storage disabled (privacy mode): a fresh name per visit is fine
  }
}
