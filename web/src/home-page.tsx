import { useEffect } from 'react';
import { Link } from './link.tsx';
import { navigate, paths } from './router.ts';
import { isOperator, useSession } from './session.tsx';

/** `/`: operators go to their companies; anyone else is told where the dashboard lives. */
export function HomePage() {
  const { me } = useSession();
  useEffect(() => {
    if (isOperator(me)) navigate(paths.admin(), { replace: true });
  }, [me]);

  return (
    <section className="state-panel">
      <h1>Churn Saver</h1>
      <p>Creators: open Churn Saver from your company's dashboard in Whop to see your recovered revenue, cases and settings.</p>
      <p>
        <Link className="button button-primary" to={paths.login()}>
          Operator sign in
        </Link>
      </p>
    </section>
  );
}
