export const WINDOW_CHOICES = [7, 30, 90, 365] as const;
export type WindowDays = (typeof WINDOW_CHOICES)[number];

export function parseWindow(value: string | null): WindowDays {
  const days = Number(value);
  return (WINDOW_CHOICES as readonly number[]).includes(days) ? (days as WindowDays) : 30;
}

/** The reporting window as a segmented control of real radio buttons (arrow keys move between them). */
export function WindowSelect({ value, onChange }: { value: WindowDays; onChange: (days: WindowDays) => void }) {
  return (
    <fieldset className="segmented" data-testid="window-select">
      <legend className="visually-hidden">Reporting window</legend>
      {WINDOW_CHOICES.map((days) => (
        <label key={days} className={days === value ? 'segment segment-active' : 'segment'}>
          <input type="radio" name="window" value={days} checked={days === value} onChange={() => onChange(days)} data-testid={`window-${days}`} />
          {days === 365 ? '1 year' : `${days} days`}
        </label>
      ))}
    </fieldset>
  );
}
