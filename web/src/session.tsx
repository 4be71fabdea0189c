import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { loadMe, resetMe } from './api.ts';
import type { Me } from './types.ts';

interface Session {
  /** undefined while asking, null when nobody is signed in (or the question failed). */
  me: Me | null | undefined;
  setMe: (me: Me | null) => void;
}

const SessionContext = createContext<Session>({ me: undefined, setMe: () => {} });

/** Who is using the dashboard: an operator (cookie session) or a creator (Whop's token). */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMeState] = useState<Me | null | undefined>(undefined);

  useEffect(() => {
    let live = true;
    loadMe().then(
      (found) => live && setMeState(found),
      () => live && setMeState(null),
    );
    return () => {
      live = false;
    };
  }, []);

  const setMe = useCallback((next: Me | null) => {
    resetMe(next);
    setMeState(next);
  }, []);

  const value = useMemo(() => ({ me, setMe }), [me, setMe]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  return useContext(SessionContext);
}

export function isOperator(me: Me | null | undefined): me is Extract<Me, { kind: 'operator' }> {
  return me?.kind === 'operator';
}
