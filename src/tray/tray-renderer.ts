import { isDeepStrictEqual } from 'node:util';
import type { Clock } from '../core/queue/clock.ts';
import type { TrayIconState } from './tray-icon-files.ts';
import type { TrayMenuItem, TrayView } from './tray-presenter.ts';

/** The tray as the renderer drives it; the shell implements it over Electron's Tray. */
export interface TrayTarget {
  setIcon(state: TrayIconState): void;
  setToolTip(text: string): void;
  /** Builds a new menu and sets it: Linux panels show a changed menu only when it is set again. */
  setMenu(items: readonly TrayMenuItem[]): void;
}

export interface TrayRendererOptions {
  clock: Clock;
  /** At most one render per interval: 250 ms, four a second. */
  minIntervalMs?: number;
}

/**
 * Draws tray views at most four times a second, the latest view winning, and touches only what
 * changed: a new icon, a new tooltip, a menu built and set again. Progress events arrive far more
 * often than a panel can usefully redraw, and rebuilding menus costs on every desktop.
 */
export class TrayRenderer {
  readonly #target: TrayTarget;
  readonly #clock: Clock;
  readonly #minIntervalMs: number;
  #shown: TrayView | undefined;
  #pending: TrayView | undefined;
  #lastRenderAt: number | undefined;
  #timer: unknown;

  constructor(target: TrayTarget, options: TrayRendererOptions) {
    this.#target = target;
    this.#clock = options.clock;
    this.#minIntervalMs = options.minIntervalMs ?? 250;
  }

  show(view: TrayView): void {
    this.#pending = view;
    if (this.#timer !== undefined) return;
    const now = this.#clock.now();
    const wait =
      this.#lastRenderAt === undefined ? 0 : this.#lastRenderAt + this.#minIntervalMs - now;
    if (wait <= 0) {
      this.#render();
      return;
    }
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#render();
    }, wait);
  }

  /** Drops a pending render (the app is quitting). */
  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = undefined;
  }

  #render(): void {
    const view = this.#pending;
    this.#pending = undefined;
    if (!view) return;
    this.#lastRenderAt = this.#clock.now();
    const shown = this.#shown;
    this.#shown = view;
    if (shown?.icon !== view.icon) this.#target.setIcon(view.icon);
    if (shown?.tooltip !== view.tooltip) this.#target.setToolTip(view.tooltip);
    if (!shown || !isDeepStrictEqual(shown.menu, view.menu)) this.#target.setMenu(view.menu);
  }
}
