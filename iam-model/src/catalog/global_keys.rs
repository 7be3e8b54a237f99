//! The global `aws:` condition keys and their types (AWS's global condition key reference,
//! iamkit spec §3.8). The bundled catalog lists only the three tag keys per service, so the
//! rest come from this table.

use super::ConditionKeyType::{self, *};

/// `(key, type)`; templated keys use `${TagKey}` like the catalog does.
pub(super) const GLOBAL_KEYS: &[(&str, ConditionKeyType)] = &[
    // Principal properties.
    ("aws:PrincipalArn", Arn),
    ("aws:PrincipalAccount", String),
    ("aws:PrincipalOrgID", String),
    ("aws:PrincipalOrgPaths", ArrayOfString),
    ("aws:PrincipalOrgMasterAccountId", String),
    ("aws:PrincipalTag/${TagKey}", String),
    ("aws:PrincipalIsAWSService", Bool),
    ("aws:PrincipalServiceName", String),
    ("aws:PrincipalServiceNamesList", ArrayOfString),
    ("aws:PrincipalType", String),
    ("aws:userid", String),
    ("aws:username", String),
    ("aws:AssumedRoot", String),
    // Role session properties.
    ("aws:FederatedProvider", String),
    ("aws:TokenIssueTime", Date),
    ("aws:MultiFactorAuthAge", Numeric),
    ("aws:MultiFactorAuthPresent", Bool),
    ("aws:SourceIdentity", String),
    ("aws:Ec2InstanceSourceVpc", String),
    ("aws:Ec2InstanceSourcePrivateIPv4", IpAddress),
    ("aws:ChatbotSourceArn", Arn),
    // Network properties.
    ("aws:SourceIp", IpAddress),
    ("aws:VpcSourceIp", IpAddress),
    ("aws:SourceVpc", String),
    ("aws:SourceVpce", String),
    ("aws:SourceVpcArn", Arn),
    ("aws:VpceAccount", String),
    ("aws:VpceOrgID", String),
    ("aws:VpceOrgPaths", ArrayOfString),
    // Resource properties.
    ("aws:ResourceAccount", String),
    ("aws:ResourceOrgID", String),
    ("aws:ResourceOrgPaths", ArrayOfString),
    ("aws:ResourceTag/${TagKey}", String),
    // Request properties.
    ("aws:RequestTag/${TagKey}", String),
    ("aws:TagKeys", ArrayOfString),
    ("aws:CalledVia", ArrayOfString),
    ("aws:CalledViaFirst", String),
    ("aws:CalledViaLast", String),
    ("aws:ViaAWSService", Bool),
    ("aws:CurrentTime", Date),
    ("aws:EpochTime", Date),
    ("aws:referer", String),
    ("aws:RequestedRegion", String),
    ("aws:SecureTransport", Bool),
    ("aws:SourceArn", Arn),
    ("aws:SourceAccount", String),
    ("aws:SourceOwner", String),
    ("aws:SourceOrgID", String),
    ("aws:SourceOrgPaths", ArrayOfString),
    ("aws:UserAgent", String),
    ("aws:IsMcpServiceAction", Bool),
];
