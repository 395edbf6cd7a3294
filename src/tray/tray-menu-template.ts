import type { MenuItemOptions } from './electron-api.ts';
import type { TrayAction, TrayMenuItem } from './tray-presenter.ts';

/** The presenter's menu as Electron's menu template, each action calling `onAction`. */
export function menuTemplate(
  items: readonly TrayMenuItem[],
  onAction: (action: TrayAction) => void,
): MenuItemOptions[] {
  return items.map((item): MenuItemOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'status':
        return { label: item.label, enabled: false };
      case 'action':
        return { label: item.label, enabled: item.enabled, click: () => onAction(item.action) };
    }
  });
}
