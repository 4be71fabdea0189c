import { createContext, useContext } from 'react';
import type { AiDrafting } from './ai-draft.tsx';
import type { SettingsForm } from './settings-model.ts';
import type { Settings } from './types.ts';

export interface SettingsFormApi {
  companyId: string;
  form: SettingsForm;
  /** The last saved settings (what the server holds). */
  saved: Settings;
  placeholders: readonly string[];
  update: (patch: Partial<SettingsForm>, fields: readonly string[]) => void;
  setTemplate: (key: string, text: string) => void;
  /** Client and server messages for one field key. */
  errorsFor: (field: string) => string[];
  /** Client-side problems of every field (for previews: an invalid text is not previewed). */
  clientErrors: Record<string, string[]>;
  /** AI drafting, null when the server has no OPENROUTER_API_KEY (the feature is hidden). */
  ai: AiDrafting | null;
}

export const SettingsFormContext = createContext<SettingsFormApi | null>(null);

export function useSettingsForm(): SettingsFormApi {
  const value = useContext(SettingsFormContext);
  if (!value) throw new Error('useSettingsForm outside the settings form');
  return value;
}

/** "templates.email.subject.card_expired" → a valid, unique element id. */
export function fieldId(field: string): string {
  return `field-${field.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}
