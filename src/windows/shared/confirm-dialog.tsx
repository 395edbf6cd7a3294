import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

interface ConfirmDialogProps {
  title: string;
  children: ComponentChildren;
  /** The button that does it, in words that say what happens ("Move to Drive trash"). */
  confirm: string;
  /** The button that does nothing; "Cancel" unless that word is the action's own. */
  dismiss?: string;
  danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

/**
 * Asks before a destructive action, saying what will happen and whether it can be undone. A
 * native modal dialog: focus stays inside, Escape cancels, focus returns where it was.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current!;
    const before = document.activeElement as HTMLElement | null;
    element.showModal();
    return () => {
      element.close();
      before?.focus();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id="confirm-title">{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      <div class="dialog-actions">
        <button type="button" class="button" onClick={props.onCancel}>
          {props.dismiss ?? 'Cancel'}
        </button>
        <button
          type="button"
          class={`button ${props.danger ? 'button-danger' : 'button-primary'}`}
          onClick={props.onConfirm}
        >
          {props.confirm}
        </button>
      </div>
    </dialog>
  );
}
