// The table repository on dynalite; the suite itself is in tests/support/table-suite.ts.
import { tableSuite } from '../support/table-suite.ts';

tableSuite('dynalite');
