//! Reads the JSON of `terraform show -json` (a plan or a state) into an
//! [`Estate`].
//!
//! The format is Terraform's documented JSON output (`format_version` 1.x;
//! an unsupported major version is refused, as the format's rules ask).
//! Resources come from `planned_values` (plan) or `values` (state), walking
//! `child_modules`; each `count` / `for_each` instance is its own element,
//! keyed by its full address. Values unknown until apply (a VPC id in a plan)
//! are resolved through the `configuration` expressions' `references`:
//! `vpc_id = aws_vpc.main.id` names the resource `aws_vpc.main`, in the same
//! module instance, with `count.index` / `each.key` picking the instance of
//! the same key; input variables and module outputs are followed across
//! module boundaries.
//!
//! Owns: Terraform JSON → estate. Must not: know the scenario schema.

mod resources;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::estate::{self, Estate};
use super::json::{self, At};
use super::report::ImportReport;
use super::{finish, BuildOptions, ImportError, Imported};

/// Imports a `terraform show -json` file.
pub fn import_file(path: &Path, opts: &BuildOptions) -> Result<Imported, ImportError> {
    let file = path.display().to_string();
    let v = json::read_file(path)?;
    let mut report = ImportReport::new(&file);
    let estate = read(&v, &file, &mut report)?;
    finish(&estate, opts, report)
}

/// Reads a parsed plan or state.
pub fn read(v: &Value, file: &str, report: &mut ImportReport) -> Result<Estate, ImportError> {
    let root = At::root(v, file);
    if !v.is_object() {
        return Err(root.wrong("an object (the JSON of `terraform show -json`)"));
    }
    check_format_version(&root)?;
    let (values, kind) = match (root.get("planned_values"), root.get("values")) {
        (Some(p), _) => (p, "plan"),
        (None, Some(s)) => (s, "state"),
        (None, None) => {
            return Err(ImportError::Format {
                file: file.to_string(),
                message: "neither `planned_values` (a plan) nor `values` (a state): is this the output of `terraform show -json`? An empty state has nothing to import".into(),
            })
        }
    };
    let mut all = Vec::new();
    if let Some(m) = values.get("root_module") {
        walk_module(&m, "", &mut all)?;
    }
    let config = Config::read(&root)?;
    let ctx = Ctx::new(all, config, kind);
    ctx.note_deletions(&root, report)?;
    let mut e = Estate::default();
    resources::read_all(&ctx, &mut e, report)?;
    ctx.accounts(&mut e);
    Ok(e)
}

fn check_format_version(root: &At) -> Result<(), ImportError> {
    let Some(fv) = root.get("format_version") else {
        return Err(ImportError::Format {
            file: root.file.to_string(),
            message: "no `format_version`: not the JSON of `terraform show -json` (a raw .tfstate file or a plan binary is not read; run `terraform show -json FILE`)".into(),
        });
    };
    let text = fv.as_str()?;
    let major = text.split('.').next().and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(0 | 1) => Ok(()),
        _ => Err(ImportError::Format {
            file: root.file.to_string(),
            message: format!("format_version {text:?} is not supported; vpcsim reads Terraform's JSON format 1.x (and the 0.x of Terraform 0.12 to 0.15)"),
        }),
    }
}

/// One resource instance of the values representation.
#[derive(Debug, Clone)]
pub struct Res<'a> {
    pub at: At<'a>,
    pub address: String,
    /// Module instance path (`module.net[0]`), empty for the root.
    pub module: String,
    pub mode: String,
    pub ty: String,
    pub name: String,
    pub index: Option<&'a Value>,
    pub values: At<'a>,
}

impl Res<'_> {
    /// The provenance comment of the resource.
    pub fn source(&self) -> String {
        format!("terraform {}", self.address)
    }
}

fn walk_module<'a>(m: &At<'a>, module: &str, out: &mut Vec<Res<'a>>) -> Result<(), ImportError> {
    for r in m.array("resources")? {
        let address = r.req_str("address")?.to_string();
        let values = match r.get("values") {
            Some(v) if v.v.is_object() => v,
            Some(v) => return Err(v.wrong("an object of attribute values")),
            None => At {
                v: &Value::Null,
                path: format!("{}.values", r.path),
                file: r.file,
            },
        };
        out.push(Res {
            module: module.to_string(),
            mode: r.str("mode")?.unwrap_or("managed").to_string(),
            ty: r.req_str("type")?.to_string(),
            name: r.req_str("name")?.to_string(),
            index: r.v.get("index").filter(|i| !i.is_null()),
            values,
            address,
            at: r,
        });
    }
    for c in m.array("child_modules")? {
        let addr = c.req_str("address")?.to_string();
        walk_module(&c, &addr, out)?;
    }
    Ok(())
}

/// `module.net[0].module.sub["a"]` → `module.net.module.sub`.
pub fn strip_keys(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The parent of a module instance path (`module.a.module.b[1]` → `module.a`).
fn parent_module(path: &str) -> String {
    match path.rfind(".module.") {
        Some(i) => path[..i].to_string(),
        None => String::new(),
    }
}

/// The `configuration` section: expressions by module and resource, module
/// calls, module outputs, provider configurations.
#[derive(Default)]
pub struct Config<'a> {
    /// (module path without keys, `type.name` or `data.type.name`) → (expressions, provider key).
    resources: BTreeMap<(String, String), (&'a Value, String)>,
    /// Child module path (without keys) → the call's expressions.
    calls: BTreeMap<String, &'a Value>,
    /// (module path, output name) → expression.
    outputs: BTreeMap<(String, String), &'a Value>,
    /// Provider config key → (alias or name, region, account id).
    providers: BTreeMap<String, (String, Option<String>, Option<String>)>,
}

impl<'a> Config<'a> {
    fn read(root: &At<'a>) -> Result<Self, ImportError> {
        let mut c = Config::default();
        let Some(cfg) = root.get("configuration") else {
            return Ok(c);
        };
        if let Some(pc) = cfg.get("provider_config") {
            if let Some(map) = pc.v.as_object() {
                for (k, p) in map {
                    let label = p
                        .get("alias")
                        .and_then(|a| a.as_str())
                        .or_else(|| p.get("name").and_then(|n| n.as_str()))
                        .unwrap_or(k)
                        .to_string();
                    let region = p
                        .pointer("/expressions/region/constant_value")
                        .and_then(|r| r.as_str())
                        .map(str::to_string);
                    c.providers
                        .insert(k.clone(), (label, region, assumed_account(p)));
                }
            }
        }
        if let Some(m) = cfg.get("root_module") {
            c.module(&m, "")?;
        }
        Ok(c)
    }

    fn module(&mut self, m: &At<'a>, path: &str) -> Result<(), ImportError> {
        for r in m.array("resources")? {
            let addr = r.req_str("address")?;
            // Addresses inside modules are module-relative; strip any prefix.
            let local = addr.rsplit_once("module.").map_or(addr, |(_, rest)| {
                rest.split_once('.').map_or(rest, |(_, after)| after)
            });
            let expr = r.v.get("expressions").unwrap_or(&Value::Null);
            let provider = r.str("provider_config_key")?.unwrap_or("aws").to_string();
            self.resources
                .insert((path.to_string(), local.to_string()), (expr, provider));
        }
        for (name, o) in
            m.v.get("outputs")
                .and_then(|o| o.as_object())
                .into_iter()
                .flatten()
        {
            if let Some(e) = o.get("expression") {
                self.outputs.insert((path.to_string(), name.clone()), e);
            }
        }
        if let Some(calls) = m.get("module_calls") {
            for (name, call) in calls.v.as_object().into_iter().flatten() {
                let child = format!(
                    "{}module.{name}",
                    if path.is_empty() {
                        String::new()
                    } else {
                        format!("{path}.")
                    }
                );
                self.calls.insert(
                    child.clone(),
                    call.get("expressions").unwrap_or(&Value::Null),
                );
                let at = At {
                    v: call,
                    path: format!("{}.module_calls.{name}", m.path),
                    file: m.file,
                };
                if let Some(inner) = at.get("module") {
                    self.module(&inner, &child)?;
                }
            }
        }
        Ok(())
    }
}

/// Everything the resource readers need: the instances, their ids, the
/// configuration.
pub struct Ctx<'a> {
    pub all: Vec<Res<'a>>,
    config: Config<'a>,
    by_id: BTreeMap<String, String>,
    /// `plan` or `state`.
    pub kind: &'static str,
}

/// Attributes that identify a resource and that others refer to.
const ID_ATTRS: [&str; 3] = ["id", "arn", "service_name"];
/// Ids a VPC hands out for the objects AWS creates with it.
const VPC_DEFAULT_IDS: [&str; 4] = [
    "default_route_table_id",
    "main_route_table_id",
    "default_network_acl_id",
    "default_security_group_id",
];

impl<'a> Ctx<'a> {
    fn new(all: Vec<Res<'a>>, config: Config<'a>, kind: &'static str) -> Self {
        let mut by_id = BTreeMap::new();
        for r in all.iter().filter(|r| r.mode == "managed") {
            for a in ID_ATTRS {
                if let Some(id) = r.values.v.get(a).and_then(|v| v.as_str()) {
                    by_id.entry(id.to_string()).or_insert(r.address.clone());
                }
            }
            if r.ty == "aws_dx_gateway_association" {
                if let Some(id) = r
                    .values
                    .v
                    .get("transit_gateway_attachment_id")
                    .and_then(|v| v.as_str())
                {
                    by_id.entry(id.to_string()).or_insert(r.address.clone());
                }
            }
        }
        for r in all.iter().filter(|r| r.ty == "aws_vpc") {
            for a in VPC_DEFAULT_IDS {
                if let Some(id) = r.values.v.get(a).and_then(|v| v.as_str()) {
                    by_id.entry(id.to_string()).or_insert(r.address.clone());
                }
            }
        }
        Ctx {
            all,
            config,
            by_id,
            kind,
        }
    }

    /// Resources planned for deletion are not in the planned values: say so.
    fn note_deletions(&self, root: &At, report: &mut ImportReport) -> Result<(), ImportError> {
        for rc in root.array("resource_changes")? {
            let actions = rc.get("change").map(|c| c.strings("actions")).transpose()?;
            let actions = actions.unwrap_or_default();
            if actions.iter().any(|a| a == "delete") && !actions.iter().any(|a| a == "create") {
                let addr = rc.req_str("address")?;
                report.skipped(
                    format!("terraform {addr}"),
                    "planned for deletion: not imported",
                );
            }
        }
        Ok(())
    }

    /// The provider configuration key of a resource.
    pub fn provider(&self, r: &Res) -> String {
        self.config
            .resources
            .get(&(strip_keys(&r.module), self.local_address(r)))
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| "aws".to_string())
    }

    /// The region of a resource's provider, when the configuration says.
    pub fn region(&self, r: &Res) -> Option<String> {
        self.config
            .providers
            .get(&self.provider(r))
            .and_then(|(_, region, _)| region.clone())
    }

    fn local_address(&self, r: &Res) -> String {
        if r.mode == "data" {
            format!("data.{}.{}", r.ty, r.name)
        } else {
            format!("{}.{}", r.ty, r.name)
        }
    }

    fn expressions(&self, r: &Res) -> Option<&'a Value> {
        self.config
            .resources
            .get(&(strip_keys(&r.module), self.local_address(r)))
            .map(|(e, _)| *e)
    }

    /// Keys of the resources attribute `attr` of `r` refers to: from its
    /// value when known (an id of another resource, or the raw id when it is
    /// not in the input), else from the configuration's references.
    pub fn refs(&self, r: &Res, attr: &str) -> Vec<String> {
        self.refs_at(r, attr, 0)
    }

    fn refs_at(&self, r: &Res, attr: &str, depth: u32) -> Vec<String> {
        let expr = self.expressions(r).and_then(|e| e.get(attr));
        self.refs_in(r, r.values.v.get(attr), expr, depth)
    }

    /// The key of the resource with this id or ARN (the id itself when it
    /// is not in the input).
    pub fn key_of_id(&self, id: &str) -> String {
        self.by_id
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The first of [`refs`](Self::refs).
    pub fn ref1(&self, r: &Res, attr: &str) -> Option<String> {
        self.refs(r, attr).into_iter().next()
    }

    /// References of an attribute of a nested block (`route`, `ingress`,
    /// `default_action`, ...): `block` is the block's value, `i` its
    /// position; the configuration block is matched by its constant values.
    pub fn block_refs(
        &self,
        r: &Res,
        block: &str,
        i: usize,
        value: &Value,
        attr: &str,
    ) -> Vec<String> {
        let cfg = self
            .expressions(r)
            .and_then(|e| e.get(block))
            .and_then(|b| match_block(b, i, value));
        self.refs_in(r, value.get(attr), cfg.and_then(|c| c.get(attr)), 0)
    }

    fn refs_in(
        &self,
        r: &Res,
        known: Option<&Value>,
        expr: Option<&Value>,
        depth: u32,
    ) -> Vec<String> {
        let ids: Vec<&str> = match known {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str()).collect(),
            _ => Vec::new(),
        };
        let ids: Vec<&str> = ids.into_iter().filter(|id| !id.is_empty()).collect();
        if !ids.is_empty() {
            return ids
                .into_iter()
                .map(|id| {
                    self.by_id
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| id.to_string())
                })
                .collect();
        }
        let refs = expr.map(references).unwrap_or_default();
        self.resolve(&refs, &r.module, r.index, depth)
    }

    /// Resource instances named by a `references` list, seen from module
    /// instance `module` (and resource instance key `index`).
    fn resolve(
        &self,
        refs: &[String],
        module: &str,
        index: Option<&Value>,
        depth: u32,
    ) -> Vec<String> {
        if depth > 8 {
            return Vec::new();
        }
        let by_key = refs
            .iter()
            .any(|r| r == "count.index" || r.starts_with("each."));
        let mut out: Vec<String> = Vec::new();
        for r in refs {
            // "aws_subnet.a[0].id" implies "aws_subnet.a[0]" and "aws_subnet.a":
            // keep only the most specific.
            let implied = refs.iter().any(|o| {
                o.len() > r.len()
                    && o.starts_with(r.as_str())
                    && matches!(o.as_bytes()[r.len()], b'.' | b'[')
            });
            if implied {
                continue;
            }
            let found = if let Some(rest) = r.strip_prefix("var.") {
                self.resolve_var(rest, module, depth)
            } else if let Some(rest) = r.strip_prefix("module.") {
                self.resolve_output(rest, module, depth)
            } else if [
                "data.",
                "local.",
                "path.",
                "count.",
                "each.",
                "self.",
                "terraform.",
            ]
            .iter()
            .any(|p| r.starts_with(p))
            {
                Vec::new()
            } else {
                let found = self.resolve_resource(r, module, if by_key { index } else { None });
                self.pass_through(r, found, depth)
            };
            for f in found {
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        out
    }

    fn resolve_resource(&self, r: &str, module: &str, index: Option<&Value>) -> Vec<String> {
        let (ty, rest) = r.split_once('.').unwrap_or((r, ""));
        let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..name_end];
        let key = rest[name_end..]
            .strip_prefix('[')
            .and_then(|k| k.split_once(']'))
            .map(|(k, _)| k.trim_matches('"').to_string());
        let candidates: Vec<&Res> = self
            .all
            .iter()
            .filter(|x| x.mode == "managed" && x.module == module && x.ty == ty && x.name == name)
            .collect();
        let key_of = |x: &Res| {
            x.index.map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
        };
        let pick: Vec<&Res> = if let Some(k) = key {
            candidates
                .into_iter()
                .filter(|x| key_of(x).as_deref() == Some(k.as_str()))
                .collect()
        } else if candidates.len() > 1 && index.is_some() {
            candidates
                .into_iter()
                .filter(|x| x.index == index)
                .collect()
        } else {
            candidates
        };
        pick.into_iter().map(|x| x.address.clone()).collect()
    }

    /// `aws_subnet.a.vpc_id` names the VPC, not the subnet: an `*_id`
    /// attribute of another resource is followed to what it refers to, when
    /// the plan says (else the resource itself stands for it).
    fn pass_through(&self, reference: &str, found: Vec<String>, depth: u32) -> Vec<String> {
        let attr = reference.rsplit('.').next().unwrap_or_default();
        let follows = attr != reference && (attr.ends_with("_id") || attr.ends_with("_ids"));
        if !follows {
            return found;
        }
        found
            .into_iter()
            .flat_map(|key| {
                let inner = self
                    .all
                    .iter()
                    .find(|x| x.address == key)
                    .map(|x| self.refs_at(x, attr, depth + 1))
                    .unwrap_or_default();
                if inner.is_empty() {
                    vec![key]
                } else {
                    inner
                }
            })
            .collect()
    }

    /// `var.x` inside a module: the module call's argument, in the parent.
    fn resolve_var(&self, rest: &str, module: &str, depth: u32) -> Vec<String> {
        if module.is_empty() {
            return Vec::new();
        }
        let var = rest.split(['.', '[']).next().unwrap_or(rest);
        let Some(call) = self.config.calls.get(&strip_keys(module)) else {
            return Vec::new();
        };
        let refs = call.get(var).map(references).unwrap_or_default();
        self.resolve(&refs, &parent_module(module), None, depth + 1)
    }

    /// `module.m.out`: the output's expression, inside each instance of `m`.
    fn resolve_output(&self, rest: &str, module: &str, depth: u32) -> Vec<String> {
        let Some((m, after)) = rest.split_once('.') else {
            return Vec::new();
        };
        let m = m.split('[').next().unwrap_or(m);
        let out = after.split(['.', '[']).next().unwrap_or(after);
        let child_cfg = if module.is_empty() {
            format!("module.{m}")
        } else {
            format!("{}.module.{m}", strip_keys(module))
        };
        let Some(expr) = self
            .config
            .outputs
            .get(&(child_cfg.clone(), out.to_string()))
        else {
            return Vec::new();
        };
        let refs = references(expr);
        let mut instances: Vec<&str> = self
            .all
            .iter()
            .filter(|x| strip_keys(&x.module) == child_cfg && parent_module(&x.module) == module)
            .map(|x| x.module.as_str())
            .collect();
        instances.dedup();
        instances
            .into_iter()
            .flat_map(|inst| self.resolve(&refs, inst, None, depth + 1))
            .collect()
    }

    /// Accounts: one per provider configuration, with the id any of its
    /// resources shows (`owner_id`).
    fn accounts(&self, e: &mut Estate) {
        let mut seen: BTreeMap<String, Option<String>> = BTreeMap::new();
        for r in &self.all {
            let p = self.provider(r);
            let owner = r
                .values
                .v
                .get("owner_id")
                .and_then(|o| o.as_str())
                .filter(|o| o.len() == 12)
                .map(str::to_string);
            let slot = seen.entry(p).or_default();
            if slot.is_none() {
                *slot = owner;
            }
        }
        for (key, owner) in seen {
            let provider = self.config.providers.get(&key);
            let label = provider.map_or_else(|| key.clone(), |(l, _, _)| l.clone());
            let id = owner.or_else(|| provider.and_then(|(_, _, a)| a.clone()));
            e.accounts.push(estate::Account { key, id, label });
        }
    }
}

/// The account of a provider configuration that assumes a role:
/// `assume_role { role_arn = "arn:aws:iam::222222222222:role/x" }`.
fn assumed_account(provider: &Value) -> Option<String> {
    let role = provider.pointer("/expressions/assume_role")?;
    let role = role.as_array().and_then(|a| a.first()).unwrap_or(role);
    let arn = role.pointer("/role_arn/constant_value")?.as_str()?;
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_string())
}

/// The `references` of an expression.
fn references(expr: &Value) -> Vec<String> {
    expr.get("references")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The configuration block that matches value block `value` (position `i`):
/// the one whose constant values all equal the value's, else position `i`.
fn match_block<'a>(blocks: &'a Value, i: usize, value: &Value) -> Option<&'a Value> {
    let list = match blocks {
        Value::Array(a) => a,
        single @ Value::Object(_) => return Some(single),
        _ => return None,
    };
    let consistent = |b: &Value| {
        b.as_object().is_some_and(|m| {
            m.iter().all(|(k, e)| match e.get("constant_value") {
                Some(c) => value.get(k).is_none_or(|v| v == c),
                None => true,
            })
        })
    };
    let matching: Vec<&Value> = list.iter().filter(|b| consistent(b)).collect();
    if matching.len() == 1 {
        return Some(matching[0]);
    }
    list.get(i).or(matching.first().copied())
}
