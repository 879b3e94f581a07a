//! AWS rules of the control plane, one test (or a few) per rule.
//!
//! Every test builds a small scenario as a RON string, runs it with
//! `sim::run` and checks the per-class connection counts and reason codes
//! in `summary.traffic`: one case AWS allows (every connection delivered) and
//! one it refuses (every connection denied with the exact reason code). The
//! AWS facts come from `facts/aws-facts.md` (the PrivateLink FAQ table at its
//! top is the specification; the numbered sections are the sourced details).
//!
//! Traffic uses `Burst` arrivals (all connections at the start of the class's
//! window) so a class samples one instant of the control state; lifecycle
//! events are placed on whole minutes between those instants, never on them.

use std::collections::BTreeMap;

use vpcsim::control::{
    ControlState, DnsState, Evaluator, EventRecord, PathKind, Reason, Request, Src,
};
use vpcsim::engine::rng_stream;
use vpcsim::fabric::Fabric;
use vpcsim::load;
use vpcsim::results::RunResult;
use vpcsim::results::TrafficSummary;
use vpcsim::scenario::{Protocol, Scenario, Target};
use vpcsim::sim::{self, RunOptions};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Connections per burst.
const N: u64 = 6;

fn load(text: &str) -> load::Loaded {
    load::load_str(text, "rules.ron")
        .unwrap_or_else(|e| panic!("scenario does not load: {e}\n{text}"))
}

fn run_seeded(text: &str, seed: Option<u64>) -> RunResult {
    let s = load(text);
    sim::run(
        &s,
        &RunOptions {
            quiet: true,
            seed,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("run failed: {e}"))
}

fn run(text: &str) -> RunResult {
    run_seeded(text, None)
}

fn class<'a>(r: &'a RunResult, name: &str) -> &'a TrafficSummary {
    r.summary
        .traffic
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no traffic class {name:?}"))
}

/// The hints the run gave for a class (what the user would be told).
fn hints(r: &RunResult, name: &str) -> Vec<String> {
    r.hints
        .iter()
        .filter(|((c, _), _)| c == name)
        .map(|((_, reason), h)| format!("{reason}: {h}"))
        .collect()
}

/// Every connection of the class was delivered.
#[track_caller]
fn assert_delivered(r: &RunResult, name: &str) {
    let c = class(r, name);
    assert!(c.connections > 0, "{name}: no connection was attempted");
    assert_eq!(
        c.delivered,
        c.connections,
        "{name}: expected all {} connections delivered, got denials {:?}; hints {:?}",
        c.connections,
        c.denied_by_reason,
        hints(r, name)
    );
}

/// Every connection of the class was denied, all with this reason code.
#[track_caller]
fn assert_denied(r: &RunResult, name: &str, code: &str) {
    let c = class(r, name);
    assert!(c.connections > 0, "{name}: no connection was attempted");
    let expected = BTreeMap::from([(code.to_string(), c.connections)]);
    assert_eq!(
        (c.delivered, &c.denied_by_reason),
        (0, &expected),
        "{name}: expected all {} connections denied {code}, got {} delivered and denials {:?}; hints {:?}",
        c.connections,
        c.delivered,
        c.denied_by_reason,
        hints(r, name)
    );
}

/// Control-plane records of one kind of action on one subject.
fn records<'a>(r: &'a RunResult, event: &str, subject: &str) -> Vec<&'a EventRecord> {
    r.summary
        .control_events
        .iter()
        .filter(|e| e.event == event && e.subject == subject)
        .collect()
}

/// The single record of an action on a subject.
#[track_caller]
fn record<'a>(r: &'a RunResult, event: &str, subject: &str) -> &'a EventRecord {
    let found = records(r, event, subject);
    assert_eq!(
        found.len(),
        1,
        "records of {event} {subject}: {:?}",
        r.summary.control_events
    );
    found[0]
}

/// Paths taken by a class's connections.
fn paths(r: &RunResult, name: &str) -> Vec<PathKind> {
    let mut v: Vec<PathKind> = r
        .connectivity
        .keys()
        .filter(|k| k.traffic == name)
        .map(|k| k.path)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A traffic class of `N` connections opened at `start`.
fn burst(name: &str, from: &str, to: &str, start: &str) -> String {
    format!("Traffic(name: \"{name}\", from: {from}, to: {to}, arrivals: Burst(count: {N}), start: \"{start}\"),\n")
}

/// `burst` with an action and resource (for endpoint policies).
fn burst_action(name: &str, from: &str, to: &str, action: &str, resource: &str) -> String {
    format!(
        "Traffic(name: \"{name}\", from: {from}, to: {to}, arrivals: Burst(count: {N}), action: \"{action}\", resource: \"{resource}\"),\n"
    )
}

/// A PrivateLink scenario: provider account "provider" (111111111111) with
/// VPC "svc" (10.0.0.0/16; svc-a in use1-az1, svc-b in use1-az2), workload
/// "orders-backend" behind NLB "orders-nlb", service "orders"; consumer
/// account "acme" (222222222222) with VPC "app" (10.1.0.0/16; app-a in
/// use1-az1, app-b in use1-az2), client workload "web" in app-a and interface
/// endpoint "acme-orders" in app-a and app-b. Every part can be replaced.
struct Pl<'a> {
    name: &'a str,
    /// Top-level fields after `region` (quota overrides, azs).
    header: &'a str,
    accounts: &'a str,
    /// Extra fields of VPC "app" (e.g. `vpn_gateway: true,`).
    app_opts: &'a str,
    more_vpcs: &'a str,
    security_groups: &'a str,
    backend: &'a str,
    more_workloads: &'a str,
    lbs: &'a str,
    services: &'a str,
    endpoints: &'a str,
    /// Any other top-level fields (gateway endpoints, peerings, DX, ...).
    extra: &'a str,
    traffic: &'a str,
    events: &'a str,
}

impl Default for Pl<'_> {
    fn default() -> Self {
        Pl {
            name: "rules",
            header: "",
            accounts: r#"Account(name: "provider", id: "111111111111"),
                         Account(name: "acme", id: "222222222222"),"#,
            app_opts: "",
            more_vpcs: "",
            security_groups: "",
            backend: r#"Workload(name: "orders-backend", subnets: ["svc-a", "svc-b"], instances: 2),"#,
            more_workloads: "",
            lbs: r#"Nlb(name: "orders-nlb", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"]),"#,
            services: r#"EndpointService(name: "orders", nlbs: ["orders-nlb"], acceptance_required: false,
                                         allowed_principals: [Account("222222222222")]),"#,
            endpoints: r#"InterfaceEndpoint(name: "acme-orders", vpc: "app", service: "orders", subnets: ["app-a", "app-b"]),"#,
            extra: "",
            traffic: "",
            events: "",
        }
    }
}

impl Pl<'_> {
    fn text(&self) -> String {
        format!(
            r#"Scenario(
    name: "{name}",
    duration: "10m",
    region: "us-east-1",
    {header}
    accounts: [
        {accounts}
    ],
    vpcs: [
        Vpc(name: "svc", account: "provider", cidrs: ["10.0.0.0/16"], subnets: [
            Subnet(name: "svc-a", az: "use1-az1", cidr: "10.0.1.0/24"),
            Subnet(name: "svc-b", az: "use1-az2", cidr: "10.0.2.0/24"),
        ]),
        Vpc(name: "app", account: "acme", cidrs: ["10.1.0.0/16"], {app_opts} subnets: [
            Subnet(name: "app-a", az: "use1-az1", cidr: "10.1.1.0/24"),
            Subnet(name: "app-b", az: "use1-az2", cidr: "10.1.2.0/24"),
        ]),
        {more_vpcs}
    ],
    security_groups: [
        {security_groups}
    ],
    workloads: [
        {backend}
        Workload(name: "web", subnets: ["app-a"], instances: 2),
        {more_workloads}
    ],
    load_balancers: [
        {lbs}
    ],
    services: [
        {services}
    ],
    endpoints: [
        {endpoints}
    ],
    {extra}
    traffic: [
        {traffic}
    ],
    events: [
        {events}
    ],
)
"#,
            name = self.name,
            header = self.header,
            accounts = self.accounts,
            app_opts = self.app_opts,
            more_vpcs = self.more_vpcs,
            security_groups = self.security_groups,
            backend = self.backend,
            more_workloads = self.more_workloads,
            lbs = self.lbs,
            services = self.services,
            endpoints = self.endpoints,
            extra = self.extra,
            traffic = self.traffic,
            events = self.events,
        )
    }

    fn run(&self) -> RunResult {
        run(&self.text())
    }
}

/// A plain-networking scenario (no PrivateLink): accounts "net"
/// (100000000001) and "apps" (100000000002), and the given parts.
fn net(
    header: &str,
    vpcs: &str,
    workloads: &str,
    extra: &str,
    traffic: &str,
    events: &str,
) -> String {
    format!(
        r#"Scenario(
    name: "net-rules",
    duration: "10m",
    region: "us-east-1",
    {header}
    accounts: [
        Account(name: "net", id: "100000000001"),
        Account(name: "apps", id: "100000000002"),
    ],
    vpcs: [
        {vpcs}
    ],
    workloads: [
        {workloads}
    ],
    {extra}
    traffic: [
        {traffic}
    ],
    events: [
        {events}
    ],
)
"#
    )
}

/// A one-subnet VPC `name` with block `10.<octet>.0.0/16` and subnet
/// `<name>-a` (`10.<octet>.1.0/24`, use1-az1), owned by `account`.
fn vpc(name: &str, account: &str, octet: u8, opts: &str) -> String {
    format!(
        r#"Vpc(name: "{name}", account: "{account}", cidrs: ["10.{octet}.0.0/16"], {opts} subnets: [
            Subnet(name: "{name}-a", az: "use1-az1", cidr: "10.{octet}.1.0/24"),
        ]),
"#
    )
}

/// A one-instance workload `<vpc>-host` in subnet `<vpc>-a`.
fn host(vpc: &str) -> String {
    format!("Workload(name: \"{vpc}-host\", subnets: [\"{vpc}-a\"]),\n")
}

fn wl(name: &str) -> String {
    format!("Workload(\"{name}\")")
}

// ---------------------------------------------------------------------------
// 1. Interface endpoints per VPC
// ---------------------------------------------------------------------------

/// Two services the consumer VPC "app" makes endpoints to (`ep-orders` to
/// "orders", `ep-billing` to "billing").
const TWO_SERVICES_LBS: &str = r#"
    Nlb(name: "orders-nlb", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"]),
    Nlb(name: "billing-nlb", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"]),"#;
const TWO_SERVICES: &str = r#"
    EndpointService(name: "orders", nlbs: ["orders-nlb"], acceptance_required: false, allowed_principals: [Account("222222222222")]),
    EndpointService(name: "billing", nlbs: ["billing-nlb"], acceptance_required: false, allowed_principals: [Account("222222222222")]),"#;
const TWO_ENDPOINTS: &str = r#"
    InterfaceEndpoint(name: "ep-orders", vpc: "app", service: "orders", subnets: ["app-a", "app-b"]),
    InterfaceEndpoint(name: "ep-billing", vpc: "app", service: "billing", subnets: ["app-a", "app-b"]),"#;

/// Rule: a VPC holds at most `interface_endpoints_per_vpc` interface
/// endpoints (FAQ: "Up to 100 VPC endpoints per VPC"; facts §1.1). A design
/// past the quota loads and runs, and the endpoint AWS would refuse is the
/// one created last. With the quota overridden to 1, the first endpoint
/// carries traffic and every connection through the second is denied
/// ENDPOINT_QUOTA_EXCEEDED, and the refusal is recorded on its creation.
#[test]
fn rule01_interface_endpoint_quota_refuses_the_second_endpoint() {
    let traffic = burst(
        "to-first",
        &wl("web"),
        r#"Endpoint(name: "ep-orders")"#,
        "0s",
    ) + &burst(
        "to-second",
        &wl("web"),
        r#"Endpoint(name: "ep-billing")"#,
        "0s",
    );
    let r = Pl {
        header: "quota_overrides: (interface_endpoints_per_vpc: 1),",
        lbs: TWO_SERVICES_LBS,
        services: TWO_SERVICES,
        endpoints: TWO_ENDPOINTS,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "to-first");
    assert_denied(&r, "to-second", "ENDPOINT_QUOTA_EXCEEDED");
    let rec = record(&r, "CreateEndpoint", "ep-billing");
    assert!(!rec.applied);
    assert_eq!(rec.reason, Some(Reason::EndpointQuotaExceeded));
    assert!(record(&r, "CreateEndpoint", "ep-orders").applied);
}

/// Same rule, creation order rather than file order: `ep-orders` is listed
/// first but only created at 1m (a `CreateEndpoint` event), after
/// `ep-billing` took the VPC's only slot at time zero. So `ep-billing`
/// delivers and `ep-orders` is the refused one — proving the quota follows
/// the order AWS would have seen the CreateVpcEndpoint calls.
#[test]
fn rule01_interface_endpoint_quota_follows_creation_order() {
    let traffic = burst(
        "to-orders",
        &wl("web"),
        r#"Endpoint(name: "ep-orders")"#,
        "2m",
    ) + &burst(
        "to-billing",
        &wl("web"),
        r#"Endpoint(name: "ep-billing")"#,
        "2m",
    );
    let r = Pl {
        header: "quota_overrides: (interface_endpoints_per_vpc: 1),",
        lbs: TWO_SERVICES_LBS,
        services: TWO_SERVICES,
        endpoints: TWO_ENDPOINTS,
        traffic: &traffic,
        events: r#"At("1m", CreateEndpoint(endpoint: "ep-orders")),"#,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "to-billing");
    assert_denied(&r, "to-orders", "ENDPOINT_QUOTA_EXCEEDED");
}

// ---------------------------------------------------------------------------
// 2. AZ support, by AZ ID
// ---------------------------------------------------------------------------

/// Rule: consumers can create endpoints only in the AZs the service's NLB
/// has enabled, and AZs are matched by AZ ID, because an AZ *name* maps to a
/// different physical zone in each account (facts §5, "Supported AZs
/// restrict consumer subnets" and "AZ name vs AZ ID").
///
/// The NLB is only in use1-az1. The two accounts see swapped names:
/// use1-az1 is "us-east-1a" for the provider but "us-east-1c" for acme, and
/// use1-az2 is "us-east-1a" for acme. `ep-good` (app-a, use1-az1) delivers
/// although its AZ *name* differs from the provider's; `ep-bad` also has a
/// subnet in use1-az2, which acme calls "us-east-1a" — the very name the
/// provider's supported AZ has — and is denied AZ_NOT_SUPPORTED. Matching by
/// name would give the opposite answer on both.
#[test]
fn rule02_endpoint_az_must_be_offered_by_the_nlb_matched_by_az_id() {
    let traffic = burst("good", &wl("web"), r#"Endpoint(name: "ep-good")"#, "0s")
        + &burst("bad", &wl("web"), r#"Endpoint(name: "ep-bad")"#, "0s");
    let r = Pl {
        header: r#"azs: [
            Az(id: "use1-az1", names: {"provider": "us-east-1a", "acme": "us-east-1c"}),
            Az(id: "use1-az2", names: {"provider": "us-east-1c", "acme": "us-east-1a"}),
        ],"#,
        lbs: r#"Nlb(name: "orders-nlb", subnets: ["svc-a"], targets: ["orders-backend"]),"#,
        endpoints: r#"
            InterfaceEndpoint(name: "ep-good", vpc: "app", service: "orders", subnets: ["app-a"]),
            InterfaceEndpoint(name: "ep-bad", vpc: "app", service: "orders", subnets: ["app-a", "app-b"]),"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "good");
    assert_denied(&r, "bad", "AZ_NOT_SUPPORTED");
    assert_eq!(
        record(&r, "CreateEndpoint", "ep-bad").reason,
        Some(Reason::AzNotSupported)
    );
}

// ---------------------------------------------------------------------------
// 3. Allowed principals
// ---------------------------------------------------------------------------

/// Rule: a service is private; only its allowed principals may create
/// endpoints to it — an account, an OU, an IAM role, or everyone (`*`)
/// (FAQ: "Services are private by default; only permitted accounts/OUs (or
/// everyone, if public) may create endpoints"; facts §6.3).
///
/// Four services, one per principal kind. Consumer acme (222222222222, in OU
/// ou-cust-1111) is allowed by each: by `All`, by its account ID, by its OU,
/// and — for the role-restricted service — when the endpoint is created by
/// that role. Every denied case differs from an allowed one in the principal
/// only: account "other" (333333333333, no OU) is refused by the account and
/// OU services but allowed by `All`, and acme's endpoint created by another
/// role of the same account is refused by the role service. All refusals are
/// NOT_ALLOWED_PRINCIPAL.
#[test]
fn rule03_allowed_principals() {
    let mut traffic = String::new();
    for ep in ["ep-all", "ep-acct", "ep-ou", "ep-role", "ep-role-wrong"] {
        traffic += &burst(ep, &wl("web"), &format!("Endpoint(name: \"{ep}\")"), "0s");
    }
    for ep in ["other-all", "other-acct", "other-ou"] {
        traffic += &burst(
            ep,
            &wl("other-web"),
            &format!("Endpoint(name: \"{ep}\")"),
            "0s",
        );
    }
    let r = Pl {
        accounts: r#"
            Account(name: "provider", id: "111111111111"),
            Account(name: "acme", id: "222222222222", org_unit: "ou-cust-1111"),
            Account(name: "other", id: "333333333333"),"#,
        more_vpcs: r#"Vpc(name: "other-app", account: "other", cidrs: ["10.2.0.0/16"], subnets: [
            Subnet(name: "other-a", az: "use1-az1", cidr: "10.2.1.0/24"),
        ]),"#,
        more_workloads: r#"Workload(name: "other-web", subnets: ["other-a"]),"#,
        lbs: r#"
            Nlb(name: "nlb-all", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"]),
            Nlb(name: "nlb-acct", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"]),
            Nlb(name: "nlb-ou", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"]),
            Nlb(name: "nlb-role", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"]),"#,
        services: r#"
            EndpointService(name: "s-all", nlbs: ["nlb-all"], acceptance_required: false, allowed_principals: [All]),
            EndpointService(name: "s-acct", nlbs: ["nlb-acct"], acceptance_required: false, allowed_principals: [Account("222222222222")]),
            EndpointService(name: "s-ou", nlbs: ["nlb-ou"], acceptance_required: false, allowed_principals: [OrgUnit("ou-cust-1111")]),
            EndpointService(name: "s-role", nlbs: ["nlb-role"], acceptance_required: false,
                            allowed_principals: [Role("arn:aws:iam::222222222222:role/netadmin")]),"#,
        endpoints: r#"
            InterfaceEndpoint(name: "ep-all", vpc: "app", service: "s-all", subnets: ["app-a"]),
            InterfaceEndpoint(name: "ep-acct", vpc: "app", service: "s-acct", subnets: ["app-a"]),
            InterfaceEndpoint(name: "ep-ou", vpc: "app", service: "s-ou", subnets: ["app-a"]),
            InterfaceEndpoint(name: "ep-role", vpc: "app", service: "s-role", subnets: ["app-a"],
                              created_by: "arn:aws:iam::222222222222:role/netadmin"),
            InterfaceEndpoint(name: "ep-role-wrong", vpc: "app", service: "s-role", subnets: ["app-a"],
                              created_by: "arn:aws:iam::222222222222:role/developer"),
            InterfaceEndpoint(name: "other-all", vpc: "other-app", service: "s-all", subnets: ["other-a"]),
            InterfaceEndpoint(name: "other-acct", vpc: "other-app", service: "s-acct", subnets: ["other-a"]),
            InterfaceEndpoint(name: "other-ou", vpc: "other-app", service: "s-ou", subnets: ["other-a"]),"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    for allowed in ["ep-all", "ep-acct", "ep-ou", "ep-role", "other-all"] {
        assert_delivered(&r, allowed);
    }
    for refused in ["ep-role-wrong", "other-acct", "other-ou"] {
        assert_denied(&r, refused, "NOT_ALLOWED_PRINCIPAL");
    }
}

// ---------------------------------------------------------------------------
// 4. Acceptance and the connection lifecycle
// ---------------------------------------------------------------------------

/// A service with `acceptance_required: true` and one endpoint per
/// lifecycle story. Timeline: events at 1m, 3m, 5m; bursts at 0s, 2m, 4m, 6m.
fn lifecycle() -> RunResult {
    let mut endpoints = String::new();
    for ep in [
        "ep-accept",
        "ep-reject",
        "ep-reject-live",
        "ep-suspend",
        "ep-term",
        "ep-old",
        "ep-new",
    ] {
        endpoints += &format!("InterfaceEndpoint(name: \"{ep}\", vpc: \"app\", service: \"orders\", subnets: [\"app-a\"]),\n");
    }
    let to = |ep: &str| format!("Endpoint(name: \"{ep}\")");
    let web = wl("web");
    let traffic = [
        burst("accept-before", &web, &to("ep-accept"), "0s"),
        burst("accept-after", &web, &to("ep-accept"), "2m"),
        burst("rejected-pending", &web, &to("ep-reject"), "2m"),
        burst("reject-live-before", &web, &to("ep-reject-live"), "2m"),
        burst("reject-live-after", &web, &to("ep-reject-live"), "4m"),
        burst("suspend-before", &web, &to("ep-suspend"), "2m"),
        burst("suspended", &web, &to("ep-suspend"), "4m"),
        burst("resumed", &web, &to("ep-suspend"), "6m"),
        burst("term-before", &web, &to("ep-term"), "2m"),
        burst("terminated", &web, &to("ep-term"), "4m"),
        burst("term-after-resume", &web, &to("ep-term"), "6m"),
        burst("old-after-remove", &web, &to("ep-old"), "6m"),
        burst("new-after-remove", &web, &to("ep-new"), "6m"),
    ]
    .concat();
    let events = r#"
        At("1m", Accept(service: "orders", endpoint: "ep-accept")),
        At("1m", Reject(service: "orders", endpoint: "ep-reject")),
        At("1m", Accept(service: "orders", endpoint: "ep-reject-live")),
        At("1m", Accept(service: "orders", endpoint: "ep-suspend")),
        At("1m", Accept(service: "orders", endpoint: "ep-term")),
        At("1m", Accept(service: "orders", endpoint: "ep-old")),
        At("3m", Reject(service: "orders", endpoint: "ep-reject-live")),
        At("3m", Suspend(service: "orders", endpoint: "ep-suspend")),
        At("3m", Terminate(service: "orders", endpoint: "ep-term")),
        At("3m", RemovePrincipal(service: "orders", principal: Account("222222222222"))),
        At("5m", Resume(service: "orders", endpoint: "ep-suspend")),
        At("5m", Resume(service: "orders", endpoint: "ep-term")),
        At("5m", CreateEndpoint(endpoint: "ep-new")),"#;
    Pl {
        services: r#"EndpointService(name: "orders", nlbs: ["orders-nlb"], acceptance_required: true,
                                     allowed_principals: [Account("222222222222")]),"#,
        endpoints: &endpoints,
        traffic: &traffic,
        events,
        ..Default::default()
    }
    .run()
}

/// Rule: with "Acceptance required" a new endpoint connection waits in
/// pendingAcceptance until the provider accepts it; the provider may also
/// reject it, pending or already available (facts §6.1, §6.2; FAQ: "plus
/// AWS's accept/reject"). Traffic before `Accept` is PENDING_ACCEPTANCE and
/// after it delivered; a rejected request, and an available connection
/// rejected later, are CONNECTION_REJECTED.
#[test]
fn rule04_acceptance_and_reject() {
    let r = lifecycle();
    assert_denied(&r, "accept-before", "PENDING_ACCEPTANCE");
    assert_delivered(&r, "accept-after");
    assert_denied(&r, "rejected-pending", "CONNECTION_REJECTED");
    assert_delivered(&r, "reject-live-before");
    assert_denied(&r, "reject-live-after", "CONNECTION_REJECTED");
}

/// Rule: the provider can suspend a connection, stopping traffic
/// immediately, and resume it (FAQ: "The owner can suspend (resumable) …
/// an endpoint's connection, stopping traffic immediately"). Delivered
/// before `Suspend`, CONNECTION_SUSPENDED while suspended, delivered again
/// after `Resume`.
#[test]
fn rule04_suspend_then_resume() {
    let r = lifecycle();
    assert_delivered(&r, "suspend-before");
    assert_denied(&r, "suspended", "CONNECTION_SUSPENDED");
    assert_delivered(&r, "resumed");
}

/// Rule: termination is final (FAQ: "suspend (resumable) or terminate
/// (final)"). Delivered before `Terminate`, CONNECTION_TERMINATED after, and
/// a later `Resume` is refused by the control plane (not applied) and does
/// not bring traffic back.
#[test]
fn rule04_terminate_is_final() {
    let r = lifecycle();
    assert_delivered(&r, "term-before");
    assert_denied(&r, "terminated", "CONNECTION_TERMINATED");
    assert_denied(&r, "term-after-resume", "CONNECTION_TERMINATED");
    let resume = record(&r, "Resume", "ep-term");
    assert!(
        !resume.applied,
        "Resume after Terminate was applied: {resume:?}"
    );
}

/// Rule: removing a principal's permission "does not affect existing
/// connections … previously accepted" (facts §6.2), but it does stop new
/// endpoints (§6.3). After `RemovePrincipal` the accepted `ep-old` still
/// delivers, while `ep-new`, created afterwards by the same account, is
/// refused at creation and its traffic is NOT_ALLOWED_PRINCIPAL.
#[test]
fn rule04_remove_principal_keeps_existing_connections_only() {
    let r = lifecycle();
    assert_delivered(&r, "old-after-remove");
    assert_denied(&r, "new-after-remove", "NOT_ALLOWED_PRINCIPAL");
    let created = record(&r, "CreateEndpoint", "ep-new");
    assert_eq!(created.reason, Some(Reason::NotAllowedPrincipal));
}

// ---------------------------------------------------------------------------
// 5. NLB association rules
// ---------------------------------------------------------------------------

/// Rule: one NLB serves only one endpoint service (FAQ: "A service can have
/// several NLBs (blue/green); one NLB serves only one service"; facts §1.1
/// "A Network Load Balancer can be associated with a single endpoint
/// service"). Both services list `orders-nlb`; "one" (first) gets it, the
/// association of "two" is refused with NLB_IN_USE in the control log (at
/// time zero, and again for an `AddNlb` at 1m), and "two" is left without a load balancer, so none of its traffic is
/// delivered. The denial must name the cause — the service has no usable NLB
/// (NO_LOAD_BALANCER, or NLB_IN_USE itself) — not send the user to fix
/// something else.
#[test]
fn rule05_one_nlb_serves_one_service() {
    let traffic = burst("to-one", &wl("web"), r#"Endpoint(name: "ep-one")"#, "0s")
        + &burst("to-two", &wl("web"), r#"Endpoint(name: "ep-two")"#, "0s");
    let r = Pl {
        services: r#"
            EndpointService(name: "one", nlbs: ["orders-nlb"], acceptance_required: false, allowed_principals: [All]),
            EndpointService(name: "two", nlbs: ["orders-nlb"], acceptance_required: false, allowed_principals: [All]),"#,
        endpoints: r#"
            InterfaceEndpoint(name: "ep-one", vpc: "app", service: "one", subnets: ["app-a", "app-b"]),
            InterfaceEndpoint(name: "ep-two", vpc: "app", service: "two", subnets: ["app-a", "app-b"]),"#,
        traffic: &traffic,
        events: r#"At("1m", AddNlb(service: "two", nlb: "orders-nlb")),"#,
        ..Default::default()
    }
    .run();
    let refused = record(&r, "initial", "two ↔ orders-nlb");
    let added = record(&r, "AddNlb", "two ↔ orders-nlb");
    assert!(
        !added.applied && added.reason == Some(Reason::NlbInUse),
        "{added:?}"
    );
    assert!(!refused.applied);
    assert_eq!(refused.reason, Some(Reason::NlbInUse));
    assert!(record(&r, "initial", "one ↔ orders-nlb").applied);
    assert_delivered(&r, "to-one");
    let two = class(&r, "to-two");
    assert_eq!(
        two.delivered, 0,
        "service two has no NLB but delivered: {two:?}"
    );
    let reasons: Vec<&str> = two.denied_by_reason.keys().map(String::as_str).collect();
    assert!(
        reasons
            .iter()
            .all(|c| ["NO_LOAD_BALANCER", "NLB_IN_USE"].contains(c)),
        "to-two is denied with {reasons:?}, which does not point at the missing NLB; hints {:?}",
        hints(&r, "to-two")
    );
}

/// Rule: blue/green — a service can have several NLBs, so the provider adds
/// the new one and then removes the old one without interrupting consumers
/// (FAQ: "A service can have several NLBs (blue/green) … NLB swap events").
/// Traffic before, between and after `AddNlb green` / `RemoveNlb blue` is
/// all delivered, both actions are applied, and (checked with the evaluator
/// directly) after the swap connections go through a node of the green NLB.
#[test]
fn rule05_blue_green_nlb_swap_keeps_delivering() {
    let traffic = burst("before", &wl("web"), r#"Service(name: "orders")"#, "1m")
        + &burst("both", &wl("web"), r#"Service(name: "orders")"#, "3m")
        + &burst("after", &wl("web"), r#"Service(name: "orders")"#, "5m");
    let text = Pl {
        lbs: r#"
            Nlb(name: "blue", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"]),
            Nlb(name: "green", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"]),"#,
        services: r#"EndpointService(name: "orders", nlbs: ["blue"], acceptance_required: false,
                                     allowed_principals: [Account("222222222222")]),"#,
        traffic: &traffic,
        events: r#"
            At("2m", AddNlb(service: "orders", nlb: "green")),
            At("4m", RemoveNlb(service: "orders", nlb: "blue")),"#,
        ..Default::default()
    }
    .text();
    let r = run(&text);
    for c in ["before", "both", "after"] {
        assert_delivered(&r, c);
    }
    assert!(record(&r, "AddNlb", "orders ↔ green").applied);
    assert!(record(&r, "RemoveNlb", "orders ↔ blue").applied);

    // The same swap through the evaluator: the NLB node moves from blue to green.
    let s = load(&text);
    let f = Fabric::build(s.valid(), s.quotas()).expect("fabric");
    let mut ev = Probe::new(&f, &s, 1);
    let target = Target::Service {
        name: "orders".into(),
        dns: Default::default(),
    };
    let blue = &f.nlbs[f.nlb("blue").expect("blue").index()].nodes;
    let green = &f.nlbs[f.nlb("green").expect("green").index()].nodes;
    let node = ev
        .decide("web", &target)
        .plan
        .nlb_node
        .expect("delivered through an NLB");
    assert!(blue.contains(&node));
    for e in &s.events {
        ev.state.apply(&f, vpcsim::units::SimTime::ZERO, e.event());
    }
    let d = ev.decide("web", &target);
    assert!(d.outcome.is_delivered(), "{:?}", d.outcome);
    assert!(
        green.contains(&d.plan.nlb_node.expect("NLB node")),
        "still on blue after the swap"
    );
}

/// Rule: a service must keep at least one NLB (facts §6.2: the provider
/// "must keep at least one NLB"). Removing the only NLB is refused — the
/// control event is recorded as not applied — and traffic keeps flowing
/// before and after the attempt.
#[test]
fn rule05_removing_the_last_nlb_is_refused() {
    let traffic = burst("before", &wl("web"), r#"Service(name: "orders")"#, "1m")
        + &burst("after", &wl("web"), r#"Service(name: "orders")"#, "3m");
    let r = Pl {
        traffic: &traffic,
        events: r#"At("2m", RemoveNlb(service: "orders", nlb: "orders-nlb")),"#,
        ..Default::default()
    }
    .run();
    let rec = record(&r, "RemoveNlb", "orders ↔ orders-nlb");
    assert!(!rec.applied, "the last NLB was removed: {rec:?}");
    assert_delivered(&r, "before");
    assert_delivered(&r, "after");
}

// ---------------------------------------------------------------------------
// 6. Provider-initiated connections
// ---------------------------------------------------------------------------

/// Rule: PrivateLink is one-way; "Services cannot initiate requests to
/// resources in your VPC through the endpoint" (facts §6.2; FAQ: "the
/// consumer always initiates"). The consumer reaches the service (delivered)
/// while the provider's workload opening a connection to `consumer-web`,
/// with PrivateLink as the only relationship between the VPCs, is denied
/// PROVIDER_INITIATED. As a control, once the two VPCs are also peered the
/// same provider → consumer connection is delivered over the peering,
/// proving the denial came from the missing relationship and not from the
/// workloads.
#[test]
fn rule06_provider_cannot_initiate_over_privatelink() {
    let traffic = burst(
        "consumer-to-service",
        &wl("consumer-web"),
        r#"Service(name: "orders")"#,
        "0s",
    ) + &burst(
        "provider-to-consumer",
        &wl("orders-backend"),
        &wl("consumer-web"),
        "0s",
    );
    let only_privatelink = Pl {
        more_workloads: r#"Workload(name: "consumer-web", subnets: ["app-a", "app-b"], instances: 2),"#,
        traffic: &traffic,
        ..Default::default()
    };
    let r = only_privatelink.run();
    assert_delivered(&r, "consumer-to-service");
    assert_denied(&r, "provider-to-consumer", "PROVIDER_INITIATED");

    let r = Pl {
        extra: r#"peerings: [Peering(name: "svc-app", requester: "svc", accepter: "app")],"#,
        ..only_privatelink
    }
    .run();
    assert_delivered(&r, "provider-to-consumer");
    assert_eq!(paths(&r, "provider-to-consumer"), vec![PathKind::Peering]);
}

/// Same rule in the common PrivateLink layout where the consumer VPC reuses
/// the provider's CIDR (overlap is fine for PrivateLink, DESIGN §8): the
/// consumer "twin" (10.0.0.0/16, like "svc") reaches the service, and the
/// provider opening a connection to `twin-web` is still PROVIDER_INITIATED —
/// the reason names the one-way rule, not just the address clash.
#[test]
fn rule06_provider_initiated_with_overlapping_cidrs() {
    let traffic = burst(
        "consumer-to-service",
        &wl("twin-web"),
        r#"Service(name: "orders")"#,
        "0s",
    ) + &burst(
        "provider-to-consumer",
        &wl("orders-backend"),
        &wl("twin-web"),
        "0s",
    );
    let r = Pl {
        more_vpcs: r#"Vpc(name: "twin", account: "acme", cidrs: ["10.0.0.0/16"], subnets: [
            Subnet(name: "twin-a", az: "use1-az1", cidr: "10.0.1.0/24"),
        ]),"#,
        more_workloads: r#"Workload(name: "twin-web", subnets: ["twin-a"]),"#,
        endpoints: r#"InterfaceEndpoint(name: "twin-orders", vpc: "twin", service: "orders", subnets: ["twin-a"]),"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "consumer-to-service");
    assert_denied(&r, "provider-to-consumer", "PROVIDER_INITIATED");
}

// ---------------------------------------------------------------------------
// 7. NLB cross-zone load balancing
// ---------------------------------------------------------------------------

/// Rule: with cross-zone load balancing off (AWS's default), "each load
/// balancer node distributes traffic across the registered targets in its
/// Availability Zone only"; turning it on lets consumers using a zonal name
/// be served from another AZ (facts §6.5). The NLB has nodes in use1-az1
/// and use1-az2 but targets only in use1-az1. A zonal name pinned to
/// use1-az1 delivers either way; pinned to use1-az2 it is NO_HEALTHY_TARGET
/// with cross-zone off, and delivered with cross-zone on.
#[test]
fn rule07_nlb_cross_zone() {
    let traffic = burst(
        "zonal-az1",
        &wl("web"),
        r#"Service(name: "orders", dns: ZonalIn("use1-az1"))"#,
        "0s",
    ) + &burst(
        "zonal-az2",
        &wl("web"),
        r#"Service(name: "orders", dns: ZonalIn("use1-az2"))"#,
        "0s",
    );
    let off = Pl {
        backend: r#"Workload(name: "orders-backend", subnets: ["svc-a"], instances: 2),"#,
        lbs: r#"Nlb(name: "orders-nlb", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"], cross_zone: false),"#,
        traffic: &traffic,
        ..Default::default()
    };
    let r = off.run();
    assert_delivered(&r, "zonal-az1");
    assert_denied(&r, "zonal-az2", "NO_HEALTHY_TARGET");

    let r = Pl {
        lbs: r#"Nlb(name: "orders-nlb", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"], cross_zone: true),"#,
        ..off
    }
    .run();
    assert_delivered(&r, "zonal-az1");
    assert_delivered(&r, "zonal-az2");
}

/// Rule: the regional name answers only with *healthy* endpoint ENIs ("we
/// select a healthy endpoint network interface, using the round robin
/// algorithm", facts §5), and the PrivateLink guide says that without
/// targets in an enabled AZ it is consumers using *zonal* names who need
/// cross-zone load balancing to be served (facts §6.5) — so regional-name
/// consumers are served without it. With cross-zone off and targets only in
/// use1-az1, regional-name connections are all delivered (the answer leaves
/// out the ENI whose NLB node has no healthy target), while the zonal name
/// of use1-az2 is NO_HEALTHY_TARGET.
#[test]
fn rule07_regional_name_avoids_the_az_without_targets() {
    let traffic = "Traffic(name: \"regional\", from: Workload(\"web\"), to: Service(name: \"orders\", dns: Regional), arrivals: Burst(count: 20)),"
        .to_string()
        + &burst("zonal-az2", &wl("web"), r#"Service(name: "orders", dns: ZonalIn("use1-az2"))"#, "0s");
    let r = Pl {
        backend: r#"Workload(name: "orders-backend", subnets: ["svc-a"], instances: 2),"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_denied(&r, "zonal-az2", "NO_HEALTHY_TARGET");
    assert_delivered(&r, "regional");
}

// ---------------------------------------------------------------------------
// 8. DNS: zonal and regional names, private DNS names
// ---------------------------------------------------------------------------

/// Rule: a zonal name pins one AZ and does not fail over, while the regional
/// name answers with "a healthy endpoint network interface, using the round
/// robin algorithm" across AZs (facts §5; DESIGN §4 "Regional vs zonal
/// DNS"). use1-az2 fails from 2m to 6m (the client is in use1-az1, targets
/// in both AZs). The zonal name of use1-az2 delivers before the outage, is
/// AZ_UNAVAILABLE during it and delivers after it; the regional name
/// delivers every connection during the outage (so it never handed out the
/// failed AZ's ENI).
#[test]
fn rule08_zonal_name_fails_with_its_az_regional_name_does_not() {
    let zonal = r#"Endpoint(name: "acme-orders", dns: ZonalIn("use1-az2"))"#;
    let regional = r#"Endpoint(name: "acme-orders", dns: Regional)"#;
    let traffic = burst("zonal-before", &wl("web"), zonal, "0s")
        + &burst("zonal-during", &wl("web"), zonal, "3m")
        + &burst("regional-during", &wl("web"), regional, "3m")
        + &burst("zonal-after", &wl("web"), zonal, "7m");
    let r = Pl {
        traffic: &traffic,
        events: r#"At("2m", AzOutage(az: "use1-az2", for: "4m")),"#,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "zonal-before");
    assert_denied(&r, "zonal-during", "AZ_UNAVAILABLE");
    assert_delivered(&r, "regional-during");
    assert_delivered(&r, "zonal-after");
}

/// Rule: a provider's private DNS name works only once its domain is
/// verified ("Consumers can use the name only when it is `verified`"; "If
/// the verification status changes, new connection requests are denied",
/// facts §5). "orders.example.com" starts PendingVerification: denied
/// DNS_NAME_UNVERIFIED, then delivered after `SetPrivateDnsState(Verified)`.
/// "billing.example.com" starts Verified: delivered, then denied after the
/// state flips to Failed.
#[test]
fn rule08_private_dns_name_needs_verification() {
    let traffic = burst(
        "orders-pending",
        &wl("web"),
        r#"PrivateDns("orders.example.com")"#,
        "0s",
    ) + &burst(
        "orders-verified",
        &wl("web"),
        r#"PrivateDns("orders.example.com")"#,
        "3m",
    ) + &burst(
        "billing-verified",
        &wl("web"),
        r#"PrivateDns("billing.example.com")"#,
        "0s",
    ) + &burst(
        "billing-failed",
        &wl("web"),
        r#"PrivateDns("billing.example.com")"#,
        "5m",
    );
    let r = Pl {
        lbs: TWO_SERVICES_LBS,
        services: r#"
            EndpointService(name: "orders", nlbs: ["orders-nlb"], acceptance_required: false,
                            allowed_principals: [Account("222222222222")],
                            private_dns_name: PrivateDnsName(name: "orders.example.com")),
            EndpointService(name: "billing", nlbs: ["billing-nlb"], acceptance_required: false,
                            allowed_principals: [Account("222222222222")],
                            private_dns_name: PrivateDnsName(name: "billing.example.com", state: Verified)),"#,
        endpoints: TWO_ENDPOINTS,
        traffic: &traffic,
        events: r#"
            At("2m", SetPrivateDnsState(service: "orders", state: Verified)),
            At("4m", SetPrivateDnsState(service: "billing", state: Failed)),"#,
        ..Default::default()
    }
    .run();
    assert_denied(&r, "orders-pending", "DNS_NAME_UNVERIFIED");
    assert_delivered(&r, "orders-verified");
    assert_delivered(&r, "billing-verified");
    assert_denied(&r, "billing-failed", "DNS_NAME_UNVERIFIED");
}

// ---------------------------------------------------------------------------
// 9. Endpoint policies
// ---------------------------------------------------------------------------

/// Rule: the endpoint policy is an IAM resource policy on the endpoint;
/// without one, full access (facts §6.4; FAQ: "endpoint policies
/// evaluated"). IAM semantics: a request needs an Allow, and an explicit
/// Deny wins over any Allow. `ep-get-only` allows only s3:GetObject:
/// GetObject delivers, PutObject is ENDPOINT_POLICY_DENY. `ep-deny-secret`
/// allows everything but denies GetObject under `secret/`: a GetObject
/// elsewhere delivers, one under `secret/` is ENDPOINT_POLICY_DENY despite
/// the Allow-all.
#[test]
fn rule09_interface_endpoint_policy() {
    let get_only = r#"Endpoint(name: "ep-get-only")"#;
    let deny_secret = r#"Endpoint(name: "ep-deny-secret")"#;
    let traffic = [
        burst_action(
            "get",
            &wl("web"),
            get_only,
            "s3:GetObject",
            "arn:aws:s3:::acme-data/a.csv",
        ),
        burst_action(
            "put",
            &wl("web"),
            get_only,
            "s3:PutObject",
            "arn:aws:s3:::acme-data/a.csv",
        ),
        burst_action(
            "get-public",
            &wl("web"),
            deny_secret,
            "s3:GetObject",
            "arn:aws:s3:::acme-data/a.csv",
        ),
        burst_action(
            "get-secret",
            &wl("web"),
            deny_secret,
            "s3:GetObject",
            "arn:aws:s3:::acme-data/secret/k",
        ),
    ]
    .concat();
    let r = Pl {
        endpoints: r#"
            InterfaceEndpoint(name: "ep-get-only", vpc: "app", service: "orders", subnets: ["app-a"],
                policy: EndpointPolicy(statements: [PolicyStatement(effect: Allow, actions: ["s3:GetObject"])])),
            InterfaceEndpoint(name: "ep-deny-secret", vpc: "app", service: "orders", subnets: ["app-a"],
                policy: EndpointPolicy(statements: [
                    PolicyStatement(effect: Allow, actions: ["*"]),
                    PolicyStatement(effect: Deny, actions: ["s3:GetObject"], resources: ["arn:aws:s3:::acme-data/secret/*"]),
                ])),"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "get");
    assert_denied(&r, "put", "ENDPOINT_POLICY_DENY");
    assert_delivered(&r, "get-public");
    assert_denied(&r, "get-secret", "ENDPOINT_POLICY_DENY");
}

/// Rule: gateway endpoints carry an endpoint policy too (facts §6.4). The
/// S3 gateway endpoint allows s3:GetObject on `acme-data/*` and explicitly
/// denies it on `acme-data/secret/*`: an allowed GetObject is delivered
/// (path gateway-endpoint); PutObject, GetObject on another bucket and
/// GetObject under `secret/` are all ENDPOINT_POLICY_DENY.
#[test]
fn rule09_gateway_endpoint_policy() {
    let traffic = [
        burst_action(
            "s3-get",
            &wl("web"),
            "Aws(S3)",
            "s3:GetObject",
            "arn:aws:s3:::acme-data/a.csv",
        ),
        burst_action(
            "s3-put",
            &wl("web"),
            "Aws(S3)",
            "s3:PutObject",
            "arn:aws:s3:::acme-data/a.csv",
        ),
        burst_action(
            "s3-other-bucket",
            &wl("web"),
            "Aws(S3)",
            "s3:GetObject",
            "arn:aws:s3:::other/a.csv",
        ),
        burst_action(
            "s3-secret",
            &wl("web"),
            "Aws(S3)",
            "s3:GetObject",
            "arn:aws:s3:::acme-data/secret/k",
        ),
    ]
    .concat();
    let r = Pl {
        extra: r#"gateway_endpoints: [
            GatewayEndpoint(name: "app-s3", vpc: "app", service: S3, route_tables: ["main"],
                policy: EndpointPolicy(statements: [
                    PolicyStatement(effect: Allow, actions: ["s3:GetObject"], resources: ["arn:aws:s3:::acme-data/*"]),
                    PolicyStatement(effect: Deny, actions: ["s3:*"], resources: ["arn:aws:s3:::acme-data/secret/*"]),
                ])),
        ],"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "s3-get");
    assert_eq!(paths(&r, "s3-get"), vec![PathKind::GatewayEndpoint]);
    assert_denied(&r, "s3-put", "ENDPOINT_POLICY_DENY");
    assert_denied(&r, "s3-other-bucket", "ENDPOINT_POLICY_DENY");
    assert_denied(&r, "s3-secret", "ENDPOINT_POLICY_DENY");
}

// ---------------------------------------------------------------------------
// 10. Security groups and network ACLs
// ---------------------------------------------------------------------------

/// Rule: a security group admits only what an inbound rule allows (FAQ: "use
/// instance SGs, endpoint policies and NACLs"). `db` allows TCP 5432 from
/// app-a: web → db:5432 is delivered, web → db:22 (no rule) is
/// SECURITY_GROUP_DENY.
#[test]
fn rule10_security_group_inbound_rule() {
    let traffic = "Traffic(name: \"db-5432\", from: Workload(\"web\"), to: Workload(\"db\"), port: 5432, arrivals: Burst(count: 6)),
                   Traffic(name: \"db-22\", from: Workload(\"web\"), to: Workload(\"db\"), port: 22, arrivals: Burst(count: 6)),";
    let r = Pl {
        security_groups: r#"SecurityGroup(name: "db-sg", vpc: "app", inbound: [
            SgRule(peer: Cidr("10.1.1.0/24"), ports: "5432", protocol: Tcp),
        ]),"#,
        more_workloads: r#"Workload(name: "db", subnets: ["app-b"], security_groups: ["db-sg"]),"#,
        traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "db-5432");
    assert_denied(&r, "db-22", "SECURITY_GROUP_DENY");
}

/// Rule: behind PrivateLink, "the source IP addresses provided to the
/// application are the private IP addresses of the load balancer nodes, not
/// the IP addresses of the service consumers" (facts §6.5). A target group
/// that admits the consumer's CIDR (10.1.0.0/16) therefore refuses the
/// traffic (SECURITY_GROUP_DENY), while one that admits the provider VPC's
/// own CIDR (where the NLB nodes are) delivers it.
#[test]
fn rule10_targets_behind_the_nlb_see_the_nlb_node_ip() {
    let sgs = r#"
        SecurityGroup(name: "from-consumers", vpc: "svc", inbound: [SgRule(peer: Cidr("10.1.0.0/16"), ports: "443", protocol: Tcp)]),
        SecurityGroup(name: "from-nlb", vpc: "svc", inbound: [SgRule(peer: Cidr("10.0.0.0/16"), ports: "443", protocol: Tcp)]),"#;
    let traffic = burst("consume", &wl("web"), r#"Service(name: "orders")"#, "0s");
    let r = Pl {
        security_groups: sgs,
        backend: r#"Workload(name: "orders-backend", subnets: ["svc-a", "svc-b"], instances: 2, security_groups: ["from-consumers"]),"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_denied(&r, "consume", "SECURITY_GROUP_DENY");
    let r = Pl {
        security_groups: sgs,
        backend: r#"Workload(name: "orders-backend", subnets: ["svc-a", "svc-b"], instances: 2, security_groups: ["from-nlb"]),"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "consume");
}

/// Rule: security groups on interface endpoint ENIs depend on the quota
/// profile: the FAQ says there are none ("No security groups on endpoints
/// (FAQ) … profile `faq`: no endpoint SGs"), today's AWS associates them
/// ("Security groups on interface endpoints: YES", facts §6.4; profile
/// `aws-current`: endpoint SGs). The endpoint carries `closed`, a group
/// with no inbound rule. Under `faq` it is ignored and traffic is delivered;
/// under `aws-current` it is SECURITY_GROUP_DENY, and an endpoint group that
/// admits the client's subnet on 443 delivers.
#[test]
fn rule10_endpoint_security_groups_follow_the_profile() {
    let sgs = r#"
        SecurityGroup(name: "closed", vpc: "app", inbound: []),
        SecurityGroup(name: "https-from-app-a", vpc: "app", inbound: [SgRule(peer: Cidr("10.1.1.0/24"), ports: "443", protocol: Tcp)]),"#;
    let endpoints = r#"
        InterfaceEndpoint(name: "ep-closed", vpc: "app", service: "orders", subnets: ["app-a", "app-b"], security_groups: ["closed"]),
        InterfaceEndpoint(name: "ep-open", vpc: "app", service: "orders", subnets: ["app-a", "app-b"], security_groups: ["https-from-app-a"]),"#;
    let traffic = burst("closed", &wl("web"), r#"Endpoint(name: "ep-closed")"#, "0s")
        + &burst("open", &wl("web"), r#"Endpoint(name: "ep-open")"#, "0s");
    let faq = Pl {
        security_groups: sgs,
        endpoints,
        traffic: &traffic,
        ..Default::default()
    };
    let r = faq.run();
    assert_delivered(&r, "closed");
    assert_delivered(&r, "open");
    let r = Pl {
        header: r#"quotas: "aws-current","#,
        ..faq
    }
    .run();
    assert_denied(&r, "closed", "SECURITY_GROUP_DENY");
    assert_delivered(&r, "open");
}

/// Rule: "NLB security groups and PrivateLink: if the NLB has security
/// groups, they must allow inbound traffic from client IPs" unless the
/// provider turns off their evaluation for PrivateLink traffic (facts §6.4),
/// which the scenario schema has no switch for, so AWS's default
/// (evaluated) applies. An NLB whose only group has no inbound rule admits
/// no consumer connection (SECURITY_GROUP_DENY); with a group allowing 443
/// from anywhere the same consumer is delivered.
#[test]
fn rule10_nlb_security_groups_apply_to_privatelink_traffic() {
    let sgs = r#"
        SecurityGroup(name: "nlb-closed", vpc: "svc", inbound: []),
        SecurityGroup(name: "nlb-open", vpc: "svc", inbound: [SgRule(peer: Anywhere, ports: "443", protocol: Tcp)]),"#;
    let traffic = burst("consume", &wl("web"), r#"Service(name: "orders")"#, "0s");
    let closed = Pl {
        security_groups: sgs,
        lbs: r#"Nlb(name: "orders-nlb", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"], security_groups: ["nlb-closed"]),"#,
        traffic: &traffic,
        ..Default::default()
    };
    let r = closed.run();
    assert_denied(&r, "consume", "SECURITY_GROUP_DENY");
    let r = Pl {
        lbs: r#"Nlb(name: "orders-nlb", subnets: ["svc-a", "svc-b"], targets: ["orders-backend"], security_groups: ["nlb-open"]),"#,
        ..closed
    }
    .run();
    assert_delivered(&r, "consume");
}

/// Rule: network ACLs are evaluated in rule-number order, the first match
/// decides (docs/scenario-format.md §10, AWS NACL semantics). The `store`
/// subnet's NACL denies 10.5.2.0/24 at rule 100 and allows everything at
/// rule 200: a client in 10.5.1.0/24 is delivered, one in 10.5.2.0/24 is
/// NACL_DENY.
#[test]
fn rule10_nacl_deny_rule() {
    let traffic = burst("from-allowed", &wl("client-a"), &wl("store"), "0s")
        + &burst("from-denied", &wl("client-b"), &wl("store"), "0s");
    let r = Pl {
        more_vpcs: r#"Vpc(name: "data", account: "acme", cidrs: ["10.5.0.0/16"], subnets: [
            Subnet(name: "data-a", az: "use1-az1", cidr: "10.5.1.0/24"),
            Subnet(name: "data-b", az: "use1-az1", cidr: "10.5.2.0/24"),
            Subnet(name: "data-db", az: "use1-az2", cidr: "10.5.3.0/24", nacl: "db-nacl"),
        ], nacls: [
            Nacl(name: "db-nacl",
                 inbound: [
                     NaclRule(number: 100, action: Deny, cidr: "10.5.2.0/24"),
                     NaclRule(number: 200, action: Allow, cidr: "0.0.0.0/0"),
                 ],
                 outbound: [NaclRule(number: 100, action: Allow, cidr: "0.0.0.0/0")]),
        ]),"#,
        more_workloads: r#"
            Workload(name: "client-a", subnets: ["data-a"]),
            Workload(name: "client-b", subnets: ["data-b"]),
            Workload(name: "store", subnets: ["data-db"]),"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "from-allowed");
    assert_denied(&r, "from-denied", "NACL_DENY");
}

/// Rule: network ACLs are stateless — "responses to allowed inbound traffic
/// are subject to the rules for outbound traffic (and vice versa)" (AWS VPC
/// User Guide, network ACLs; docs/scenario-format.md §10 calls them
/// "stateless" and its example NACL allows the ephemeral ports 1024-65535
/// for exactly that reason). `store` sits in a subnet whose NACL allows all
/// inbound traffic but has no outbound rule, so the implicit final deny drops
/// its responses and no connection can complete (NACL_DENY); `store-ok`'s
/// NACL also allows outbound to the ephemeral ports and is delivered.
#[test]
fn rule10_nacl_is_stateless_responses_need_an_outbound_rule() {
    let traffic = burst("no-outbound-rule", &wl("client"), &wl("store"), "0s")
        + &burst("ephemeral-allowed", &wl("client"), &wl("store-ok"), "0s");
    let r = Pl {
        more_vpcs: r#"Vpc(name: "data", account: "acme", cidrs: ["10.5.0.0/16"], subnets: [
            Subnet(name: "data-a", az: "use1-az1", cidr: "10.5.1.0/24"),
            Subnet(name: "data-db", az: "use1-az1", cidr: "10.5.3.0/24", nacl: "inbound-only"),
            Subnet(name: "data-db-ok", az: "use1-az1", cidr: "10.5.4.0/24", nacl: "both-ways"),
        ], nacls: [
            Nacl(name: "inbound-only",
                 inbound: [NaclRule(number: 100, action: Allow, cidr: "0.0.0.0/0")]),
            Nacl(name: "both-ways",
                 inbound: [NaclRule(number: 100, action: Allow, cidr: "0.0.0.0/0")],
                 outbound: [NaclRule(number: 100, action: Allow, cidr: "0.0.0.0/0", ports: "1024-65535", protocol: Tcp)]),
        ]),"#,
        more_workloads: r#"
            Workload(name: "client", subnets: ["data-a"]),
            Workload(name: "store", subnets: ["data-db"]),
            Workload(name: "store-ok", subnets: ["data-db-ok"]),"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "ephemeral-allowed");
    assert_denied(&r, "no-outbound-rule", "NACL_DENY");
}

// ---------------------------------------------------------------------------
// 11. Gateway endpoints
// ---------------------------------------------------------------------------

/// Rule: a gateway endpoint is a route-table entry usable only from inside
/// its VPC: "Resources on the other side of a VPN connection, VPC peering
/// connection, transit gateway, AWS Direct Connect connection … cannot use
/// the endpoint" (facts §8, §7 "No edge-to-edge routing"; FAQ: "unreachable
/// from on-prem, peering or TGW"). From VPC "app" through its main route
/// table S3 is delivered on the gateway-endpoint path; from "data", peered
/// with "app", from "spoke", attached with "app" to a transit gateway, and
/// from on-prem site "dc1" over a DX private VIF into "app", it is
/// GATEWAY_ENDPOINT_NOT_REACHABLE.
#[test]
fn rule11_gateway_endpoint_only_from_its_own_vpc() {
    let traffic = burst("app-s3", &wl("web"), "Aws(S3)", "0s")
        + &burst("peer-s3", &wl("data-host"), "Aws(S3)", "0s")
        + &burst("onprem-s3", r#"Site("dc1")"#, "Aws(S3)", "0s")
        + &burst("tgw-s3", &wl("spoke-host"), "Aws(S3)", "0s");
    let r = Pl {
        app_opts: "vpn_gateway: true,",
        more_vpcs: &(vpc("data", "acme", 5, "") + &vpc("spoke", "acme", 6, "")),
        more_workloads: &(host("data") + &host("spoke")),
        extra: r#"
            transit_gateways: [TransitGateway(name: "hub", account: "acme", attachments: [
                TgwAttachment(name: "app-att", target: Vpc("app"), subnets: ["app-a"]),
                TgwAttachment(name: "spoke-att", target: Vpc("spoke"), subnets: ["spoke-a"]),
            ])],
            gateway_endpoints: [GatewayEndpoint(name: "app-s3", vpc: "app", service: S3, route_tables: ["main"])],
            peerings: [Peering(name: "app-data", requester: "app", accepter: "data")],
            sites: [Site(name: "dc1", cidrs: ["192.168.0.0/16"])],
            direct_connects: [DirectConnect(name: "dx", account: "acme", site: "dc1", speed: "1Gbps",
                                            vifs: [Vif(name: "to-app", kind: Private("app"))])],"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "app-s3");
    assert_eq!(paths(&r, "app-s3"), vec![PathKind::GatewayEndpoint]);
    assert_denied(&r, "peer-s3", "GATEWAY_ENDPOINT_NOT_REACHABLE");
    assert_denied(&r, "onprem-s3", "GATEWAY_ENDPOINT_NOT_REACHABLE");
    assert_denied(&r, "tgw-s3", "GATEWAY_ENDPOINT_NOT_REACHABLE");
}

/// Rule: a gateway endpoint is reached "through route tables": only subnets
/// whose route table the endpoint is associated with get the service's
/// prefix-list route (facts §6.4, FAQ "a route-table entry"). In VPC "data",
/// `routed` uses the main table (associated) and is delivered on the
/// gateway-endpoint path; `unrouted` uses table "isolated" (not associated,
/// no NAT or internet route) and is NO_ROUTE.
#[test]
fn rule11_gateway_endpoint_only_through_associated_route_tables() {
    let traffic = burst("routed", &wl("routed"), "Aws(S3)", "0s")
        + &burst("unrouted", &wl("unrouted"), "Aws(S3)", "0s");
    let r = Pl {
        more_vpcs: r#"Vpc(name: "data", account: "acme", cidrs: ["10.5.0.0/16"], subnets: [
            Subnet(name: "data-main", az: "use1-az1", cidr: "10.5.1.0/24"),
            Subnet(name: "data-isolated", az: "use1-az1", cidr: "10.5.2.0/24", route_table: "isolated"),
        ], route_tables: [RouteTable(name: "isolated")]),"#,
        more_workloads: r#"
            Workload(name: "routed", subnets: ["data-main"]),
            Workload(name: "unrouted", subnets: ["data-isolated"]),"#,
        extra: r#"gateway_endpoints: [GatewayEndpoint(name: "data-s3", vpc: "data", service: S3, route_tables: ["main"])],"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "routed");
    assert_eq!(paths(&r, "routed"), vec![PathKind::GatewayEndpoint]);
    assert_denied(&r, "unrouted", "NO_ROUTE");
}

// ---------------------------------------------------------------------------
// 12. VPC peering
// ---------------------------------------------------------------------------

/// Rule: active peering connections per VPC are limited
/// (`peerings_per_vpc`; FAQ 125, facts §1.2); peerings become active in
/// creation order. With the quota at 1, the hub's first peering (s1)
/// delivers and its second (s2) is PEERING_QUOTA_EXCEEDED.
#[test]
fn rule12_peering_quota() {
    let text = net(
        "quota_overrides: (peerings_per_vpc: 1),",
        &(vpc("hub", "net", 100, "") + &vpc("s1", "apps", 1, "") + &vpc("s2", "apps", 2, "")),
        &(host("hub") + &host("s1") + &host("s2")),
        r#"peerings: [
            Peering(name: "hub-s1", requester: "hub", accepter: "s1"),
            Peering(name: "hub-s2", requester: "hub", accepter: "s2"),
        ],"#,
        &(burst("first", &wl("s1-host"), &wl("hub-host"), "0s")
            + &burst("second", &wl("s2-host"), &wl("hub-host"), "0s")),
        "",
    );
    let r = run(&text);
    assert_delivered(&r, "first");
    assert_denied(&r, "second", "PEERING_QUOTA_EXCEEDED");
}

/// Rule: VPCs with overlapping CIDRs cannot peer; "with multiple CIDRs,
/// any overlap blocks peering, even if you intend to use only the
/// non-overlapping CIDR blocks" (facts §7). "b" has 10.5.0.0/16 and a
/// secondary 10.1.0.0/24 inside "a"'s 10.1.0.0/16; traffic from "a" to a
/// host in b's non-overlapping block is OVERLAPPING_CIDR, while "a" → "c"
/// (no overlap) is delivered.
#[test]
fn rule12_overlapping_cidrs_block_peering() {
    let b = r#"Vpc(name: "b", account: "apps", cidrs: ["10.5.0.0/16", "10.1.0.0/24"], subnets: [
            Subnet(name: "b-a", az: "use1-az1", cidr: "10.5.1.0/24"),
        ]),"#;
    let text = net(
        "",
        &(vpc("a", "net", 1, "") + b + &vpc("c", "apps", 6, "")),
        &(host("a") + &host("b") + &host("c")),
        r#"peerings: [
            Peering(name: "a-b", requester: "a", accepter: "b"),
            Peering(name: "a-c", requester: "a", accepter: "c"),
        ],"#,
        &(burst("to-b", &wl("a-host"), &wl("b-host"), "0s")
            + &burst("to-c", &wl("a-host"), &wl("c-host"), "0s")),
        "",
    );
    let r = run(&text);
    assert_delivered(&r, "to-c");
    assert_denied(&r, "to-b", "OVERLAPPING_CIDR");
}

/// Rule: peering is not transitive: "A–B plus A–C does not give B–C
/// through A" (facts §7). With a–b and b–c, a → b is delivered and a → c is
/// TRANSITIVE_PEERING, both without a route (auto routes only cover direct
/// peers) and with a static route in "a" sending c's CIDR into the a–b
/// peering.
#[test]
fn rule12_peering_is_not_transitive() {
    for a_opts in [
        "",
        r#"route_tables: [RouteTable(name: "main", routes: [Route(to: "10.3.0.0/16", via: Peering("a-b"))])],"#,
    ] {
        let text = net(
            "",
            &(vpc("a", "net", 1, a_opts) + &vpc("b", "net", 2, "") + &vpc("c", "apps", 3, "")),
            &(host("a") + &host("b") + &host("c")),
            r#"peerings: [
                Peering(name: "a-b", requester: "a", accepter: "b"),
                Peering(name: "b-c", requester: "b", accepter: "c"),
            ],"#,
            &(burst("a-to-b", &wl("a-host"), &wl("b-host"), "0s")
                + &burst("a-to-c", &wl("a-host"), &wl("c-host"), "0s")),
            "",
        );
        let r = run(&text);
        assert_delivered(&r, "a-to-b");
        assert_denied(&r, "a-to-c", "TRANSITIVE_PEERING");
    }
}

/// Rule: "Both owners must add routes to the peer CIDR in their route
/// tables" (facts §7, Setup). With `auto_routes: false`, a–b has a route on
/// a's side only: a → b is NO_ROUTE (no return route); c–d has routes on
/// both sides and c → d is delivered.
#[test]
fn rule12_peering_needs_routes_on_both_sides() {
    let rt = |cidr: &str, p: &str| {
        format!(
            r#"route_tables: [RouteTable(name: "main", routes: [Route(to: "{cidr}", via: Peering("{p}"))])],"#
        )
    };
    let text = net(
        "",
        &(vpc("a", "net", 1, &rt("10.2.0.0/16", "a-b"))
            + &vpc("b", "apps", 2, "")
            + &vpc("c", "net", 3, &rt("10.4.0.0/16", "c-d"))
            + &vpc("d", "apps", 4, &rt("10.3.0.0/16", "c-d"))),
        &(host("a") + &host("b") + &host("c") + &host("d")),
        r#"peerings: [
            Peering(name: "a-b", requester: "a", accepter: "b", auto_routes: false),
            Peering(name: "c-d", requester: "c", accepter: "d", auto_routes: false),
        ],"#,
        &(burst("one-sided", &wl("a-host"), &wl("b-host"), "0s")
            + &burst("two-sided", &wl("c-host"), &wl("d-host"), "0s")),
        "",
    );
    let r = run(&text);
    assert_delivered(&r, "two-sided");
    assert_denied(&r, "one-sided", "NO_ROUTE");
}

/// Rule: a peering carries traffic only once the accepter accepts it
/// (facts §7, Setup and lifecycle states: `pending-acceptance` before
/// `active`). An unaccepted a–b is denied (PEERING_NOT_ACTIVE); c–d,
/// accepted, delivers.
#[test]
fn rule12_unaccepted_peering_carries_nothing() {
    let text = net(
        "",
        &(vpc("a", "net", 1, "")
            + &vpc("b", "apps", 2, "")
            + &vpc("c", "net", 3, "")
            + &vpc("d", "apps", 4, "")),
        &(host("a") + &host("b") + &host("c") + &host("d")),
        r#"peerings: [
            Peering(name: "a-b", requester: "a", accepter: "b", accepted: false),
            Peering(name: "c-d", requester: "c", accepter: "d", accepted: true),
        ],"#,
        &(burst("unaccepted", &wl("a-host"), &wl("b-host"), "0s")
            + &burst("accepted", &wl("c-host"), &wl("d-host"), "0s")),
        "",
    );
    let r = run(&text);
    assert_delivered(&r, "accepted");
    assert_denied(&r, "unaccepted", "PEERING_NOT_ACTIVE");
}

/// Rule: cross-account and cross-region peering are both supported (facts
/// §7). "east" (account net, us-east-1) peers with "west" (account apps,
/// us-east-2): traffic both ways is delivered over the peering, and the
/// fabric marks it cross-account and cross-region.
#[test]
fn rule12_cross_account_cross_region_peering_delivers() {
    let west = r#"Vpc(name: "west", account: "apps", region: "us-east-2", cidrs: ["10.2.0.0/16"], subnets: [
            Subnet(name: "west-a", az: "use2-az1", cidr: "10.2.1.0/24"),
        ]),"#;
    let text = net(
        "",
        &(vpc("east", "net", 1, "") + west),
        &(host("east") + &host("west")),
        r#"peerings: [Peering(name: "east-west", requester: "east", accepter: "west")],"#,
        &(burst("east-to-west", &wl("east-host"), &wl("west-host"), "0s")
            + &burst("west-to-east", &wl("west-host"), &wl("east-host"), "0s")),
        "",
    );
    let r = run(&text);
    assert_delivered(&r, "east-to-west");
    assert_delivered(&r, "west-to-east");
    assert_eq!(paths(&r, "east-to-west"), vec![PathKind::Peering]);
    let p = &r.fabric.peerings[0];
    assert!(p.cross_account && p.cross_region);
}

// ---------------------------------------------------------------------------
// 13. Transit Gateway
// ---------------------------------------------------------------------------

/// Three VPCs a, b, c (10.1/16, 10.2/16, 10.3/16) attached to TGW "hub" with
/// the given route tables.
fn tgw(route_tables: &str) -> String {
    net(
        "",
        &(vpc("a", "net", 1, "") + &vpc("b", "apps", 2, "") + &vpc("c", "apps", 3, "")),
        &(host("a") + &host("b") + &host("c")),
        &format!(
            r#"transit_gateways: [TransitGateway(name: "hub", account: "net", attachments: [
                TgwAttachment(name: "a-att", target: Vpc("a"), subnets: ["a-a"]),
                TgwAttachment(name: "b-att", target: Vpc("b"), subnets: ["b-a"]),
                TgwAttachment(name: "c-att", target: Vpc("c"), subnets: ["c-a"]),
            ], {route_tables})],"#
        ),
        &[
            burst("a-to-b", &wl("a-host"), &wl("b-host"), "0s"),
            burst("b-to-c", &wl("b-host"), &wl("c-host"), "0s"),
            burst("a-to-c", &wl("a-host"), &wl("c-host"), "0s"),
            burst("c-to-a", &wl("c-host"), &wl("a-host"), "0s"),
        ]
        .concat(),
        "",
    )
}

/// Rule: a transit gateway routes between all attachments that its route
/// tables associate and propagate — unlike peering it is transitive (facts
/// §1.4, §8; FAQ contrasts it with peering). With the default table, all
/// three VPCs reach each other over the TGW path.
#[test]
fn rule13_tgw_connects_every_attached_vpc() {
    let r = run(&tgw(""));
    for c in ["a-to-b", "b-to-c", "a-to-c", "c-to-a"] {
        assert_delivered(&r, c);
        assert_eq!(paths(&r, c), vec![PathKind::Tgw]);
    }
}

/// Rule: a blackhole route in a TGW route table drops matching traffic. A
/// table where all three attachments are associated and propagated, with a
/// static blackhole for c's subnet 10.3.1.0/24: a → b delivered, a → c
/// NO_ROUTE.
#[test]
fn rule13_tgw_blackhole_route() {
    let r = run(&tgw(
        r#"route_tables: [TgwRouteTable(name: "rt", associations: ["a-att", "b-att", "c-att"],
                                        propagations: ["a-att", "b-att", "c-att"],
                                        routes: [TgwRoute(to: "10.3.1.0/24", via: Blackhole)])]"#,
    ));
    assert_delivered(&r, "a-to-b");
    assert_denied(&r, "a-to-c", "NO_ROUTE");
}

/// Rule: an attachment only reaches CIDRs that are propagated (or statically
/// routed) into the route table it is associated with. Each VPC has its own
/// table; a and c propagate into each other's, b propagates nowhere and
/// learns nothing: a → c and c → a are delivered, a → b and b → c NO_ROUTE.
#[test]
fn rule13_tgw_separate_route_tables_without_propagation() {
    let r = run(&tgw(r#"route_tables: [
            TgwRouteTable(name: "rt-a", associations: ["a-att"], propagations: ["c-att"]),
            TgwRouteTable(name: "rt-b", associations: ["b-att"]),
            TgwRouteTable(name: "rt-c", associations: ["c-att"], propagations: ["a-att"]),
        ]"#));
    assert_delivered(&r, "a-to-c");
    assert_delivered(&r, "c-to-a");
    assert_denied(&r, "a-to-b", "NO_ROUTE");
    assert_denied(&r, "b-to-c", "NO_ROUTE");
}

// ---------------------------------------------------------------------------
// 14. Direct Connect
// ---------------------------------------------------------------------------

/// Site "dc1" (192.168.0.0/16) reaching the interface endpoint in "app" over
/// a private VIF; `backup` adds a second DX with its own private VIF. The
/// primary link fails from 2m to 6m.
fn dx_private(backup: bool) -> RunResult {
    let backup = if backup {
        r#"DirectConnect(name: "dx-backup", account: "acme", site: "dc1", speed: "1Gbps", kind: Hosted,
                         vifs: [Vif(name: "to-app-backup", kind: Private("app"))]),"#
    } else {
        ""
    };
    let extra = format!(
        r#"sites: [Site(name: "dc1", cidrs: ["192.168.0.0/16"], hosts: 4)],
           direct_connects: [
               DirectConnect(name: "dx-primary", account: "acme", site: "dc1", speed: "10Gbps",
                             vifs: [Vif(name: "to-app", kind: Private("app"))]),
               {backup}
           ],"#
    );
    let to = r#"Endpoint(name: "acme-orders")"#;
    let site = r#"Site("dc1")"#;
    let traffic = burst("before", site, to, "0s")
        + &burst("during", site, to, "3m")
        + &burst("after", site, to, "7m");
    Pl {
        app_opts: "vpn_gateway: true,",
        extra: &extra,
        traffic: &traffic,
        events: r#"At("2m", DxDown(dx: "dx-primary", for: "4m")),"#,
        ..Default::default()
    }
    .run()
}

/// Rule: interface endpoints work from on-premises over Direct Connect; the
/// endpoint's ENIs are private IPs in the VPC reached over a private VIF
/// (FAQ: "Interface endpoints also work over Direct Connect from
/// on-premises"; facts §8). Site → private VIF → "app" → endpoint is
/// delivered while the link is up; with the only link down it is NO_ROUTE,
/// and it is delivered again once the link is back.
#[test]
fn rule14_dx_private_vif_to_interface_endpoint_and_link_failure() {
    let r = dx_private(false);
    assert_delivered(&r, "before");
    assert_denied(&r, "during", "NO_ROUTE");
    assert_delivered(&r, "after");
}

/// Rule: same path with a second DX connection (a backup private VIF to the
/// same VPC): when the primary link is down the traffic takes the backup
/// and is still delivered.
#[test]
fn rule14_dx_backup_link_keeps_delivering() {
    let r = dx_private(true);
    for c in ["before", "during", "after"] {
        assert_delivered(&r, c);
    }
}

/// Rule: a transit VIF reaches a transit gateway through a DX gateway, and
/// from there the attached VPCs (facts §8, "VIF types"). Site → transit VIF
/// → TGW "hub" → VPC "app": both a workload and the interface endpoint are
/// delivered. With the DX link down it is NO_ROUTE.
#[test]
fn rule14_dx_transit_vif_through_tgw() {
    let site = r#"Site("dc1")"#;
    let traffic = burst("to-web", site, &wl("web"), "0s")
        + &burst(
            "to-endpoint",
            site,
            r#"Endpoint(name: "acme-orders")"#,
            "0s",
        )
        + &burst("link-down", site, &wl("web"), "3m");
    let r = Pl {
        extra: r#"
            transit_gateways: [TransitGateway(name: "hub", account: "acme", attachments: [
                TgwAttachment(name: "app-att", target: Vpc("app"), subnets: ["app-a", "app-b"]),
                TgwAttachment(name: "dx-att", target: DirectConnect("dx")),
            ])],
            sites: [Site(name: "dc1", cidrs: ["192.168.0.0/16"], hosts: 4)],
            direct_connects: [DirectConnect(name: "dx", account: "acme", site: "dc1", speed: "10Gbps",
                                            vifs: [Vif(name: "to-hub", kind: Transit("hub"))])],"#,
        traffic: &traffic,
        events: r#"At("2m", DxDown(dx: "dx"))"#,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "to-web");
    assert_delivered(&r, "to-endpoint");
    assert_denied(&r, "link-down", "NO_ROUTE");
}

// ---------------------------------------------------------------------------
// 15. PrivateLink across peering
// ---------------------------------------------------------------------------

/// Rule: an interface endpoint can be used from a peered VPC ("Consumers
/// can access your service … if they use VPC peering or a transit gateway",
/// facts §7 "PrivateLink + peering"; §8: interface endpoints "Allow access
/// from a VPC in another AWS Region by using VPC peering"). A workload in
/// "peer", peered with the endpoint's VPC "app", is delivered both by the
/// endpoint's name and by the service name, and so is one in "spoke",
/// attached with "app" to a transit gateway; a workload in the unpeered
/// "lonely" VPC has no route to the endpoint ENIs (NO_ROUTE).
#[test]
fn rule15_privatelink_endpoint_used_across_peering() {
    let traffic = burst(
        "by-endpoint",
        &wl("peer-host"),
        r#"Endpoint(name: "acme-orders")"#,
        "0s",
    ) + &burst(
        "by-service",
        &wl("peer-host"),
        r#"Service(name: "orders")"#,
        "0s",
    ) + &burst(
        "unpeered",
        &wl("lonely-host"),
        r#"Endpoint(name: "acme-orders")"#,
        "0s",
    ) + &burst(
        "over-tgw",
        &wl("spoke-host"),
        r#"Service(name: "orders")"#,
        "0s",
    );
    let r = Pl {
        more_vpcs: &(vpc("peer", "acme", 5, "")
            + &vpc("lonely", "acme", 6, "")
            + &vpc("spoke", "acme", 7, "")),
        more_workloads: &(host("peer") + &host("lonely") + &host("spoke")),
        extra: r#"
            peerings: [Peering(name: "app-peer", requester: "app", accepter: "peer")],
            transit_gateways: [TransitGateway(name: "hub", account: "acme", attachments: [
                TgwAttachment(name: "app-att", target: Vpc("app"), subnets: ["app-a", "app-b"]),
                TgwAttachment(name: "spoke-att", target: Vpc("spoke"), subnets: ["spoke-a"]),
            ])],"#,
        traffic: &traffic,
        ..Default::default()
    }
    .run();
    assert_delivered(&r, "by-endpoint");
    assert_delivered(&r, "by-service");
    assert_denied(&r, "unpeered", "NO_ROUTE");
    assert_delivered(&r, "over-tgw");
}

// ---------------------------------------------------------------------------
// 16. Determinism
// ---------------------------------------------------------------------------

/// A scenario whose outcomes do not depend on any random choice: regional
/// DNS over two healthy AZs with targets in both, plus a class that is
/// always denied.
fn deterministic() -> String {
    let traffic = "Traffic(name: \"regional\", from: Workload(\"web\"), to: Service(name: \"orders\", dns: Regional),
                            arrivals: Burst(count: 40), request: Fixed(\"2KiB\"), response: Fixed(\"64KiB\")),
                   Traffic(name: \"provider-push\", from: Workload(\"orders-backend\"), to: Workload(\"web\"),
                            arrivals: Burst(count: 10)),";
    Pl {
        traffic,
        ..Default::default()
    }
    .text()
}

/// Rule (DESIGN §3): one root seed per run and outputs identical across
/// runs. The same scenario and seed run twice give the same connectivity
/// map, hints and (serialized) summary.
#[test]
fn rule16_same_seed_same_results() {
    let text = deterministic();
    let a = run(&text);
    let b = run(&text);
    assert_eq!(a.connectivity, b.connectivity);
    assert_eq!(a.hints, b.hints);
    assert_eq!(
        serde_json::to_string(&a.summary).expect("json"),
        serde_json::to_string(&b.summary).expect("json")
    );
}

/// Rule (DESIGN §3, §4): the seed drives random choices (the regional DNS
/// answer's starting point among the ENIs), never the rules. So for a
/// scenario whose outcomes do not depend on random choices, another seed
/// gives the same outcome counts per class and reason, offered bytes and
/// connectivity map. Not asserted: that any particular pick changes.
///
/// What the DNS model does guarantee for every seed is round-robin:
/// consecutive regional answers for one endpoint alternate between its two
/// healthy AZs, so 10 answers split 5/5 — checked with the evaluator for
/// several seeds. That the seed feeds DNS at all is shown by not every seed
/// starting in the same AZ.
#[test]
fn rule16_other_seed_same_outcome_counts() {
    let text = deterministic();
    let a = run_seeded(&text, Some(1));
    let b = run_seeded(&text, Some(2));
    // Outcome counts and bytes, not timings: completion times depend on which
    // AZ the DNS answer picked, so they may differ with the seed.
    let counts = |r: &RunResult| -> Vec<_> {
        r.summary
            .traffic
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    t.connections,
                    t.delivered,
                    t.denied_by_reason.clone(),
                    t.offered_bytes,
                )
            })
            .collect()
    };
    assert_eq!(counts(&a), counts(&b));
    assert_eq!(a.summary.connectivity, b.summary.connectivity);
    assert_eq!(a.connectivity, b.connectivity);
    assert_eq!(class(&a, "regional").delivered, 40);
    assert_eq!(
        class(&a, "provider-push")
            .denied_by_reason
            .get("PROVIDER_INITIATED"),
        Some(&10)
    );

    let s = load(&text);
    let f = Fabric::build(s.valid(), s.quotas()).expect("fabric");
    let target = Target::Service {
        name: "orders".into(),
        dns: Default::default(),
    };
    let mut first_azs = Vec::new();
    for seed in 1..=16 {
        let mut probe = Probe::new(&f, &s, seed);
        let azs: Vec<usize> = (0..10)
            .map(|_| {
                let d = probe.decide("web", &target);
                assert!(d.outcome.is_delivered(), "seed {seed}: {:?}", d.outcome);
                let (_, eni) = d.plan.endpoint.expect("through the endpoint");
                f.enis[eni.index()].az.index()
            })
            .collect();
        for pair in azs.windows(2) {
            assert_ne!(
                pair[0], pair[1],
                "seed {seed}: regional answers do not alternate: {azs:?}"
            );
        }
        first_azs.push(azs[0]);
    }
    first_azs.dedup();
    assert!(
        first_azs.len() > 1,
        "the seed never changes the first regional DNS answer"
    );
}

/// The evaluator, driven directly, with the streams `sim::run` uses.
struct Probe<'f> {
    eval: Evaluator<'f>,
    state: ControlState,
    dns: DnsState,
    rng: rand_chacha::ChaCha8Rng,
}

impl<'f> Probe<'f> {
    fn new(f: &'f Fabric, s: &Scenario, seed: u64) -> Self {
        Probe {
            eval: Evaluator::new(f),
            state: ControlState::new(f, s, seed),
            dns: DnsState::new(f.endpoints.len(), &mut rng_stream(seed, "control:dns")),
            rng: rng_stream(seed, "probe"),
        }
    }

    fn decide(&mut self, workload: &str, target: &Target) -> vpcsim::control::Decision {
        let w = self.eval.fabric.workload(workload).expect("workload");
        let req = Request {
            src: Src::Instance {
                workload: w,
                index: 0,
            },
            target,
            port: 443,
            protocol: Protocol::Tcp,
            action: None,
            resource: None,
            zonal_client: false,
            service: None,
            trace: true,
        };
        self.eval
            .evaluate(&mut self.state, &mut self.dns, &req, &mut self.rng)
    }
}
