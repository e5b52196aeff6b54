// The table repository on dynamodb-local; the suite itself is in tests/support/table-suite.ts.
import { tableSuite } from '../support/table-suite.ts';

tableSuite('dynamodb-local');
