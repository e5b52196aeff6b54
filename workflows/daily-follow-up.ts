import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, JsonPath, Pass, Succeed, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { deadLetterStep, forEach, lambdaStep, resolveDayStep, type WorkflowDefinitionProps } from './common.ts';

export interface DailyFollowUpProps extends WorkflowDefinitionProps {
  readonly resolveDay: IFunction;
  readonly followUp: IFunction;
}

/**
 * DailyFollowUp — input `{ scheduledTime }`:
 * ResolveDay → IsWorkday? (no: RestDay) → ForEachShard (inline Map over `$.day.shards`) →
 * FollowUp → MorePages? (yes: NextPage → FollowUp with `{ shard, date, afterTown }`; no: ShardDone).
 * A shard whose FollowUp fails is dead-lettered with the page it was on; the others carry on.
 */
export function dailyFollowUpDefinition(scope: Construct, props: DailyFollowUpProps): IChainable {
  const { task: resolveDay } = resolveDayStep(scope, props.resolveDay);

  const followUp = lambdaStep(scope, 'FollowUp', props.followUp, {
    comment: "One page of a shard's due work: reminders, escalations, alerts, digests.",
  });
  const nextPage = new Pass(scope, 'NextPage', {
    comment: 'Only the cursor goes on to the next page.',
    parameters: {
      shard: JsonPath.numberAt('$.shard'),
      date: JsonPath.stringAt('$.date'),
      afterTown: JsonPath.stringAt('$.afterTown'),
    },
  });
  const shardDone = new Pass(scope, 'ShardDone', {
    comment: "Keeps the iteration's output small.",
    parameters: {
      shard: JsonPath.numberAt('$.shard'),
      date: JsonPath.stringAt('$.date'),
    },
  });
  const morePages = new Choice(scope, 'MorePages', { comment: 'Does the shard have more towns to follow up?' })
    .when(
      Condition.and(
        Condition.isPresent('$.more'),
        Condition.booleanEquals('$.more', true),
        Condition.isPresent('$.afterTown'),
      ),
      nextPage.next(followUp),
    )
    .otherwise(shardDone);

  const forEachShard = forEach(scope, 'ForEachShard', {
    comment: 'Follows up each shard of the due index.',
    itemsPath: '$.day.shards',
    itemSelector: {
      shard: JsonPath.numberAt('$$.Map.Item.Value'),
      date: JsonPath.stringAt('$.day.date'),
    },
    task: followUp,
    iteration: followUp.next(morePages),
    deadLetter: deadLetterStep(scope, 'DailyFollowUp', props.deadLetterQueue),
  });

  const isWorkday = new Choice(scope, 'IsWorkday', { comment: 'Nothing is followed up on a rest day.' })
    .when(Condition.booleanEquals('$.day.workday', true), forEachShard)
    .otherwise(new Succeed(scope, 'RestDay', { comment: 'A weekend or public holiday (调休 included).' }));

  return resolveDay.next(isWorkday);
}
