// The Lambda handlers on dynamodb-local; the suite itself is in tests/support/handlers-suite.ts.
import { handlersSuite } from '../support/handlers-suite.ts';

handlersSuite('dynamodb-local');
