import { ArnFormat, CfnParameter, Stack } from 'aws-cdk-lib';
import { ConfigurationSet, ConfigurationSetTlsPolicy, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

/** Logical id of the stack parameter holding the sender address. */
export const MAIL_FROM_PARAMETER = 'MailFrom';
export const DEFAULT_MAIL_FROM = 'fireplan@example.org';

/**
 * Sending mail through SES: the sender address (a stack parameter naming an SES email identity
 * that is verified outside this stack, so that deploying never triggers a verification mail or
 * collides with an existing identity) and a configuration set with reputation metrics and the
 * account-level suppression of bounces and complaints.
 */
export class MailSending extends Construct {
  readonly configurationSet: ConfigurationSet;
  /** The sender address (`Ref` of the `MailFrom` parameter). */
  readonly fromAddress: string;
  readonly configurationSetName: string;
  readonly identityArn: string;
  readonly configurationSetArn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);

    const mailFrom = new CfnParameter(this, 'MailFrom', {
      type: 'String',
      default: DEFAULT_MAIL_FROM,
      description: 'Sender address of Fireplan mail; it must be a verified SES email identity in this account and region.',
      allowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
      constraintDescription: 'must be an email address',
    });
    mailFrom.overrideLogicalId(MAIL_FROM_PARAMETER);
    this.fromAddress = mailFrom.valueAsString;

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      // Mail goes to township departments and village committees whose servers do not all
      // offer STARTTLS; an escalation that is never delivered is worse than one sent in clear.
      tlsPolicy: ConfigurationSetTlsPolicy.OPTIONAL,
    });
    this.configurationSetName = this.configurationSet.configurationSetName;

    this.identityArn = stack.formatArn({
      service: 'ses',
      resource: 'identity',
      resourceName: this.fromAddress,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSetName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}
