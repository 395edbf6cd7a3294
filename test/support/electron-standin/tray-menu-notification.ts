import { EventEmitter } from 'node:events';
import type * as Electron from 'electron';
import type { NotificationApi, TrayApi } from '../../../src/tray/electron-api.ts';
import { asStandinImage } from './native-image.ts';

/** A menu is its template: tests read labels and click items as a person would. */
export class StandinMenu {
  readonly items: Electron.MenuItemConstructorOptions[];

  constructor(template: Array<Electron.MenuItemConstructorOptions | Electron.MenuItem>) {
    this.items = template as Electron.MenuItemConstructorOptions[];
  }

  static buildFromTemplate(
    template: Array<Electron.MenuItemConstructorOptions | Electron.MenuItem>,
  ): Electron.Menu {
    return new StandinMenu(template) as unknown as Electron.Menu;
  }

  labels(): string[] {
    return this.items.filter((item) => item.type !== 'separator').map((item) => item.label ?? '');
  }

  /** Clicks the item with this label; fails as a person would fail to find it. */
  click(label: string): void {
    const item = this.items.find((i) => i.label === label);
    if (!item) throw new Error(`no menu item "${label}" in: ${this.labels().join(' | ')}`);
    if (item.enabled === false) throw new Error(`menu item "${label}" is disabled`);
    item.click?.({} as Electron.MenuItem, undefined, {} as Electron.KeyboardEvent);
  }
}

export class StandinTray extends EventEmitter implements TrayApi {
  /** Every image set, as the file it was made from; the first is the constructor's. */
  readonly images: string[] = [];
  readonly toolTips: string[] = [];
  readonly menus: StandinMenu[] = [];
  destroyed = false;

  constructor(image: Electron.NativeImage | string) {
    super();
    this.setImage(image);
  }

  setImage(image: Electron.NativeImage | string): void {
    this.images.push(typeof image === 'string' ? image : asStandinImage(image).path);
  }

  setToolTip(toolTip: string): void {
    this.toolTips.push(toolTip);
  }

  setContextMenu(menu: Electron.Menu | null): void {
    if (menu) this.menus.push(menu as unknown as StandinMenu);
  }

  destroy(): void {
    this.destroyed = true;
  }

  get menu(): StandinMenu {
    const menu = this.menus.at(-1);
    if (!menu) throw new Error('the tray has no context menu');
    return menu;
  }

  /** macOS: files dropped on the icon. */
  dropFiles(files: string[]): void {
    this.emit('drop-files', { preventDefault() {} }, files);
  }
}

export interface ShownNotification {
  options: Electron.NotificationConstructorOptions;
  notification: StandinNotification;
}

export function notificationClass(shown: ShownNotification[], supported: boolean) {
  return class extends StandinNotification {
    static isSupported(): boolean {
      return supported;
    }

    override show(): void {
      super.show();
      shown.push({ options: this.options, notification: this });
    }
  };
}

export class StandinNotification extends EventEmitter implements NotificationApi {
  readonly options: Electron.NotificationConstructorOptions;
  shown = false;
  closed = false;

  constructor(options: Electron.NotificationConstructorOptions = {}) {
    super();
    this.options = options;
  }

  show(): void {
    this.shown = true;
  }

  close(): void {
    this.closed = true;
  }

  /** As a person clicking the notification's body. */
  click(): void {
    this.emit('click', { preventDefault() {} });
  }

  /** As a person clicking the action button with this text. */
  clickAction(text: string): void {
    const actionIndex = (this.options.actions ?? []).findIndex((a) => a.text === text);
    if (actionIndex < 0) throw new Error(`the notification has no action "${text}"`);
    this.emit('action', { preventDefault() {}, actionIndex, selectionIndex: -1 }, actionIndex, -1);
  }
}
