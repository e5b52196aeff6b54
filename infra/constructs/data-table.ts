import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** The global secondary indexes of docs/architecture.md: index name → its key attributes. */
export const DATA_TABLE_INDEXES = {
  due: { partitionKey: 'duePk', sortKey: 'dueSk' },
  unit: { partitionKey: 'unitPk', sortKey: 'unitSk' },
  period: { partitionKey: 'periodPk', sortKey: 'periodSk' },
} as const;

export type DataTableIndexName = keyof typeof DATA_TABLE_INDEXES;

/**
 * Fireplan's single DynamoDB table (`pk`/`sk`, see docs/architecture.md): on-demand capacity,
 * point-in-time recovery, encryption at rest with the AWS managed key, deletion protection, and
 * kept when the stack is deleted. All three indexes project ALL attributes.
 */
export class DataTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    for (const [indexName, keys] of Object.entries(DATA_TABLE_INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: keys.partitionKey, type: AttributeType.STRING },
        sortKey: { name: keys.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
  }
}
