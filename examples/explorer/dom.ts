/**
 * The few browser types the explorer's page and worker use, declared here instead of with
 * `/// <reference lib="dom" />`: the repository type-checks as one program (tsconfig includes
 * examples/), and the DOM lib there retypes globals the library relies on (WebAssembly.validate's
 * BufferSource rejects the Uint8Array<ArrayBufferLike> that src/backend passes). So nothing here is
 * global: each file takes what it needs from `globalThis` through these interfaces.
 */
import type { FromWorker, ToWorker } from './protocol.js';

/** What the page's scripts do with an element. */
export interface PageElement {
  id: string;
  textContent: string | null;
  hidden: boolean;
  dataset: Record<string, string | undefined>;
  style: { width: string; height: string };
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  addEventListener(type: 'click' | 'change' | 'submit', listener: (event: PageEvent) => void): void;
}

/** An event's target and default action. */
export interface PageEvent {
  target: unknown;
  preventDefault(): void;
}

/** A form control, as `form.elements.namedItem(name)` returns it. */
export interface FormControl extends PageElement {
  name: string;
  value: string;
  checked: boolean;
}

export interface PageForm extends PageElement {
  elements: { namedItem(name: string): FormControl | null };
}

export interface ImageDataLike {
  readonly data: Uint8ClampedArray;
}

/** The subset of CanvasRenderingContext2D the drawing uses. */
export interface Context2d {
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  font: string;
  imageSmoothingEnabled: boolean;
  scale(x: number, y: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(x: number, y: number, radius: number, start: number, end: number): void;
  fill(): void;
  stroke(): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  createImageData(width: number, height: number): ImageDataLike;
  putImageData(image: ImageDataLike, x: number, y: number): void;
  drawImage(image: Canvas, x: number, y: number, w: number, h: number): void;
}

export interface Canvas extends PageElement {
  width: number;
  height: number;
  getContext(kind: '2d'): Context2d | null;
}

export interface PageDocument {
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  createElement(tag: 'canvas'): Canvas;
}

/** The page's side of the training worker. */
export interface TrainingWorker {
  postMessage(message: ToWorker): void;
  addEventListener(type: 'message', listener: (event: { data: FromWorker }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
}

/** The page's globals. */
export interface PageGlobals {
  document: PageDocument;
  devicePixelRatio: number;
  Worker: new (url: URL, options: { type: 'module' }) => TrainingWorker;
}

/** The worker's globals: its side of postMessage, and MessageChannel. */
export interface WorkerGlobals {
  postMessage(message: FromWorker, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: ToWorker }) => void): void;
  MessageChannel: new () => { port1: { onmessage: (() => void) | null }; port2: { postMessage(message: null): void } };
}
