// The Lambda handlers on dynalite; the suite itself is in tests/support/handlers-suite.ts.
import { handlersSuite } from '../support/handlers-suite.ts';

handlersSuite('dynalite');
