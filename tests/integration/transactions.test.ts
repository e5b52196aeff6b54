/**
 * Transactions as the handlers use them (TransactWriteItems through lib-dynamodb), on dynalite with
 * the transaction layer of local/runtime/dynalite-transactions.mjs and on DynamoDB Local, with the
 * same assertions: all items written, or none, and the failing item named in the cancellation.
 */
import { CreateTableCommand, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnEngine, startEngine, type EngineName, type RunningEngine } from '../support/dynamodb-engines.ts';

for (const engine of ['dynalite', 'dynamodb-local'] as EngineName[]) {
  describeOnEngine('TransactWriteItems', engine, () => {
    let running: RunningEngine;
    let db: DynamoDBDocumentClient;
    const TableName = 'transactions';

    beforeAll(async () => {
      running = await startEngine(engine);
      const client = new DynamoDBClient({ endpoint: running.endpoint, region: 'ap-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
      db = DynamoDBDocumentClient.from(client);
    }, 60_000);

    afterAll(async () => running?.stop());

    const get = async (pk: string, sk: string) => (await db.send(new GetCommand({ TableName, Key: { pk, sk } }))).Item;

    it('writes every item when every condition holds', async () => {
      await db.send(new PutCommand({ TableName, Item: { pk: 'a', sk: 'doc', version: 1, text: 'old' } }));

      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { pk: 'a', sk: 'doc', version: 2, text: 'new' }, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 1 } } },
            { Put: { TableName, Item: { pk: 'a', sk: 'audit#1', what: 'edit' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Update: { TableName, Key: { pk: 'a', sk: 'counter' }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': 1 } } },
          ],
        }),
      );

      expect(await get('a', 'doc')).toEqual({ pk: 'a', sk: 'doc', version: 2, text: 'new' });
      expect(await get('a', 'audit#1')).toEqual({ pk: 'a', sk: 'audit#1', what: 'edit' });
      expect(await get('a', 'counter')).toEqual({ pk: 'a', sk: 'counter', n: 1 });
    });

    it('writes nothing when one condition fails, and names that item in the cancellation', async () => {
      await db.send(new PutCommand({ TableName, Item: { pk: 'b', sk: 'doc', version: 5, text: 'kept' } }));
      await db.send(new PutCommand({ TableName, Item: { pk: 'b', sk: 'other', version: 1, text: 'kept too' } }));

      const attempt = db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { pk: 'b', sk: 'other', version: 2, text: 'changed' }, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 1 } } },
            { Put: { TableName, Item: { pk: 'b', sk: 'audit#1', what: 'edit' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName, Item: { pk: 'b', sk: 'doc', version: 4, text: 'lost' }, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 3 } } },
          ],
        }),
      );

      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TransactionCanceledException);
      expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'None', 'ConditionalCheckFailed']);
      expect(await get('b', 'doc')).toEqual({ pk: 'b', sk: 'doc', version: 5, text: 'kept' });
      expect(await get('b', 'other')).toEqual({ pk: 'b', sk: 'other', version: 1, text: 'kept too' });
      expect(await get('b', 'audit#1')).toBeUndefined();
    });

    it('checks a condition on an item it does not write, and leaves no trace of the check', async () => {
      await db.send(new PutCommand({ TableName, Item: { pk: 'c', sk: 'town', revision: 7 } }));

      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            { ConditionCheck: { TableName, Key: { pk: 'c', sk: 'town' }, ConditionExpression: 'revision = :r', ExpressionAttributeValues: { ':r': 7 } } },
            { ConditionCheck: { TableName, Key: { pk: 'c', sk: 'absent' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName, Item: { pk: 'c', sk: 'plan#r8' } } },
          ],
        }),
      );
      const failed = await db
        .send(new TransactWriteCommand({ TransactItems: [{ ConditionCheck: { TableName, Key: { pk: 'c', sk: 'town' }, ConditionExpression: 'revision = :r', ExpressionAttributeValues: { ':r': 6 } } }, { Delete: { TableName, Key: { pk: 'c', sk: 'plan#r8' } } }] }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );

      expect(failed).toBeInstanceOf(TransactionCanceledException);
      const items = (await db.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'c' } }))).Items;
      expect(items?.map((i) => i['sk'])).toEqual(['plan#r8', 'town']);
    });
  });
}
