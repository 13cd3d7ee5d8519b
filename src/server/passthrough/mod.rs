//! The Agent Gateway pass-through: the workspace's own gateway tools, listed next to the
//! built-in ones and forwarded unchanged.
//!
//! Why at the JSON-RPC level: it sits in the stdio transport as an [`Intercept`], so it sees
//! each message as raw JSON before rmcp does. `tools/list` is answered here (the built-in tools,
//! serialised once, then the gateway's tool objects exactly as the gateway sent them), and a
//! `tools/call` of a gateway tool is forwarded and its `result` (or `error`) returned as it
//! came, vendor fields, `_meta` and all; rmcp's typed models would drop what they do not know.
//! Everything else, built-in calls included, goes on to rmcp untouched.
//!
//! Names: a gateway tool whose name is taken (by a built-in tool, or by an earlier renamed
//! gateway tool) is listed as `gateway_<name>` (`gateway_2_<name>`, ... if that is taken too),
//! and forwarded under its own name.
//!
//! Failure never reaches the built-in tools: while the gateway is connecting, `tools/list`
//! waits for it a bounded time and then answers with the built-in tools (a later success sends
//! `notifications/tools/list_changed`); when it failed (unreachable, 401, 403, 5xx, time-out),
//! stderr says so once, and a call to a tool that is not built in comes back as a tool error
//! saying why and what to do. When the first connection cannot reach the gateway at all (the
//! machine is offline, a laptop waking up), it is tried again in the background with capped
//! exponential backoff, and a later success adds the gateway's tools and sends
//! `notifications/tools/list_changed`; a gateway that answered with a refusal (401, 403, 404)
//! is not asked again. Messages the gateway sends on its own are passed to the client;
//! `notifications/tools/list_changed` first refreshes the merged list.
//!
//! Server-to-client requests: the gateway session opens once the client sent `initialize`,
//! declaring those of the client's capabilities the pass-through forwards (elicitation,
//! sampling, roots). A gateway request that needs one (`elicitation/create`,
//! `sampling/createMessage`, `roots/list`) goes to the client under an ID of ours, and the
//! client's answer back under the gateway's; anything else, or one the client did not declare,
//! is refused with a JSON-RPC error. An accepted form elicitation gets the schema's `default`
//! for each field the client left out (SEP-1034). `notifications/cancelled` is passed both ways
//! (a forwarded call the client cancels stops waiting), and so is progress on forwarded
//! requests.
//!
//! Prompts and resources pass through too (the built-in server has none of either):
//! `prompts/list` is answered from each upstream's prompts, listed at connection (and again on
//! `notifications/prompts/list_changed`), merged across layers and renamed as tools are;
//! `prompts/get` is forwarded under the prompt's own name; `resources/list` and
//! `resources/templates/list` are forwarded as asked (cursor and all, since a URI cannot be
//! renamed and a resource list may be long), and so are `resources/read`, `resources/subscribe`
//! and `resources/unsubscribe`; results and errors come back as the upstream sent them. The
//! resource requests go to the top-most layer whose upstream declared `resources` (with two
//! such upstreams, the lower one's resources are not reachable); an upstream that declared no
//! `prompts` or `resources` gets none of these requests: the lists are empty, and a read or get
//! is a JSON-RPC error saying why. Resource notifications (`list_changed`, `updated`) are
//! passed on like any other.
//!
//! Layers: a pass-through may sit over another (`beneath`), one per upstream: Tray's Headless
//! MCP over the Agent Gateway over the built-in tools. Each layer takes the messages of its own
//! upstream and hands everything else down; `tools/list` is answered by the top one, each layer
//! adding its tools after those below, renamed with its own prefix where a name below took
//! theirs. What sets one upstream apart (its name in messages, its prefixes, how its tools are
//! shaped and its calls prepared) is its [`Upstream`].

mod answers;
mod names;
mod routing;
mod upstream_events;

pub use names::listed_as;
use names::{ToolTable, tool_table};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;
use upstream_events::forwardable_capabilities;

use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, watch};

use super::transport::{Intercept, Outbox};
use crate::remote::gateway::{GatewayClient, GatewayError, ServerMessage};

/// Prefix of a gateway tool listed under another name because its own was taken.
pub const COLLISION_PREFIX: &str = "gateway_";

/// What sets one upstream apart. The Agent Gateway's ([`AgentGateway`]) changes nothing; Tray's
/// Headless MCP's (see [`super::headless`]) pins the entry's workspace.
pub trait Upstream: Send + Sync + 'static {
    /// The name users read in errors and logs ("Agent Gateway").
    fn label(&self) -> &'static str;
    /// Prefix of a tool listed under another name because its own was taken ("gateway_").
    fn collision_prefix(&self) -> &'static str;
    /// Prefix of the IDs of requests forwarded to the client; unique per upstream.
    fn forward_prefix(&self) -> &'static str;
    /// A tool as the client sees it (each time the upstream lists its tools).
    fn listed(&self, tool: Value) -> Value {
        tool
    }
    /// Prepares the params of a `tools/call` of `tool` (the upstream's own name) before it is
    /// forwarded; an `Err` is returned to the client as a tool error, and nothing is sent.
    fn prepare_call(&self, _tool: &str, _params: &mut Map<String, Value>) -> Result<(), String> {
        Ok(())
    }
    /// What `error` means and what to do about it, in this upstream's terms.
    fn explain(&self, error: &GatewayError) -> (String, String) {
        (error.to_string(), error.hint().into_owned())
    }
}

/// The workspace's Agent Gateway: its tools pass through unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct AgentGateway;

impl Upstream for AgentGateway {
    fn label(&self) -> &'static str {
        "Agent Gateway"
    }

    fn collision_prefix(&self) -> &'static str {
        COLLISION_PREFIX
    }

    fn forward_prefix(&self) -> &'static str {
        FORWARD_ID_PREFIX
    }
}

/// Where the connection to the gateway stands.
#[derive(Debug, Clone)]
pub enum GatewayState {
    /// Still connecting (initial handshake and tool list).
    Connecting,
    /// Connected; its tools are in the merged list.
    Ready,
    /// Connecting failed; gateway tools are unavailable.
    Failed(GatewayError),
}

/// The pass-through, shared by the transport and its background tasks.
pub struct Passthrough {
    gateway: Arc<GatewayClient>,
    /// What sets this upstream apart.
    upstream: Arc<dyn Upstream>,
    /// The layer below, which gets every message this one does not take.
    beneath: Option<Arc<Passthrough>>,
    /// The built-in tools as JSON, in the order rmcp lists them.
    builtin_tools: Vec<Value>,
    builtin_names: HashSet<String>,
    /// The upstream's tools as last listed, shaped by [`Upstream::listed`], before renaming.
    raw: RwLock<Vec<Value>>,
    table: RwLock<ToolTable>,
    /// The upstream's prompts as last listed, before renaming.
    raw_prompts: RwLock<Vec<Value>>,
    /// The upstream's prompts as listed to the client (renamed against the layers below).
    prompts: RwLock<ToolTable>,
    state: watch::Sender<GatewayState>,
    /// Where answers and passed-on notifications go; set by the first intercepted message.
    outbox: OnceLock<Outbox>,
    /// The client finished initialising, so `list_changed` may be sent.
    client_ready: AtomicBool,
    /// A list was answered without the upstream's items (it was still connecting), by
    /// [`Listing`]: when they arrive, the client is told with that list's `list_changed`.
    listed_early: [AtomicBool; 3],
    /// How long `tools/list` and calls wait for a gateway that is still connecting.
    connect_wait: Duration,
    /// The capabilities the client declared in `initialize` (`None` until it did): the
    /// gateway session opens only then, declaring the ones it may forward to the client.
    client_capabilities: watch::Sender<Option<Value>>,
    /// Requests from the gateway passed to the client and not answered yet, by the ID the
    /// client saw.
    forwarded: Mutex<HashMap<String, Forwarded>>,
    next_forward: AtomicU64,
    /// Forwarded `tools/call`s still running, by the client's request ID (as JSON text).
    calls: Mutex<HashMap<String, InFlight>>,
}

/// A request from the gateway that the client is answering.
#[derive(Debug)]
struct Forwarded {
    /// The gateway's own request ID, restored on the answer.
    gateway_id: Value,
    /// The request as the gateway sent it (its method and params).
    request: Value,
}

/// A forwarded `tools/call` that has not answered yet.
#[derive(Debug)]
struct InFlight {
    /// The request ID the gateway saw.
    gateway_id: String,
    /// Stops the task waiting for its answer, when the client cancels it.
    abort: Option<tokio::task::AbortHandle>,
}

/// Requests the gateway may send the client, and the client capability each needs.
const FORWARDED_REQUESTS: [(&str, &str); 3] = [
    ("elicitation/create", "elicitation"),
    ("sampling/createMessage", "sampling"),
    ("roots/list", "roots"),
];
/// Prefix of the request IDs the client sees on requests forwarded from the gateway.
const FORWARD_ID_PREFIX: &str = "tray-mcp-gateway-";

/// The lists the pass-through adds the upstream's items to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    Tools,
    Prompts,
    Resources,
}

/// The lists whose names a layer renames against the layers below and merges into one page
/// (resources are forwarded as asked: a URI cannot be renamed).
#[derive(Debug, Clone, Copy)]
enum Renamed {
    Tools,
    Prompts,
}

impl Renamed {
    /// The list this is.
    fn listing(self) -> Listing {
        match self {
            Renamed::Tools => Listing::Tools,
            Renamed::Prompts => Listing::Prompts,
        }
    }
}

impl Listing {
    /// The server capability that says the upstream has this list.
    fn capability(self) -> &'static str {
        match self {
            Listing::Tools => "tools",
            Listing::Prompts => "prompts",
            Listing::Resources => "resources",
        }
    }

    /// The notification that tells the client this list changed.
    fn list_changed(self) -> Value {
        json!({"jsonrpc": "2.0", "method": format!("notifications/{}/list_changed", self.capability())})
    }
}

impl Passthrough {
    /// Sets up the pass-through over `gateway`, next to `builtin_tools` (rmcp `Tool`s as JSON).
    /// Nothing connects until [`Passthrough::start`].
    pub fn new(gateway: Arc<GatewayClient>, builtin_tools: Vec<Value>, connect_wait: Duration) -> Arc<Self> {
        Self::layered(gateway, Arc::new(AgentGateway), builtin_tools, None, connect_wait)
    }

    /// A pass-through to `client`'s upstream, shaped by `upstream`, over `beneath` (the layer
    /// that gets every message this one does not take), or over the built-in tools alone.
    pub fn layered(
        client: Arc<GatewayClient>,
        upstream: Arc<dyn Upstream>,
        builtin_tools: Vec<Value>,
        beneath: Option<Arc<Passthrough>>,
        connect_wait: Duration,
    ) -> Arc<Self> {
        let builtin_names = builtin_tools
            .iter()
            .filter_map(|tool| tool.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        Arc::new(Passthrough {
            gateway: client,
            upstream,
            beneath,
            builtin_tools,
            builtin_names,
            raw: RwLock::new(Vec::new()),
            table: RwLock::new(ToolTable::default()),
            raw_prompts: RwLock::new(Vec::new()),
            prompts: RwLock::new(ToolTable::default()),
            state: watch::channel(GatewayState::Connecting).0,
            outbox: OnceLock::new(),
            client_ready: AtomicBool::new(false),
            listed_early: [AtomicBool::new(false), AtomicBool::new(false), AtomicBool::new(false)],
            connect_wait,
            client_capabilities: watch::channel(None).0,
            forwarded: Mutex::new(HashMap::new()),
            next_forward: AtomicU64::new(1),
            calls: Mutex::new(HashMap::new()),
        })
    }

    /// Connects in the background and passes on what the gateway sends by itself
    /// (`server_messages`, the receiving end of the gateway client's channel).
    pub fn start(self: &Arc<Self>, server_messages: mpsc::UnboundedReceiver<ServerMessage>) {
        let this = Arc::clone(self);
        tokio::spawn(async move { this.connect().await });
        let this = Arc::clone(self);
        tokio::spawn(async move { this.pass_on(server_messages).await });
    }

    /// Where the pass-through stands, for `get_authenticated_user`.
    pub fn status(&self) -> super::tools::GatewayStatus {
        let (state, problem, fix) = match self.state() {
            GatewayState::Ready => ("connected", None, None),
            GatewayState::Connecting => (
                "connecting",
                Some(format!("the {} has not answered yet", self.upstream.label())),
                None,
            ),
            GatewayState::Failed(error) => {
                let (problem, fix) = self.upstream.explain(&error);
                let state = if error.is_offline() {
                    "unreachable"
                } else {
                    "unavailable"
                };
                (state, Some(problem), Some(fix))
            }
        };
        super::tools::GatewayStatus {
            state: state.to_string(),
            tools: self.tool_count(),
            problem,
            fix,
        }
    }

    /// How many gateway tools are in the merged list.
    pub fn tool_count(&self) -> usize {
        self.table.read().map_or(0, |table| table.listed.len())
    }

    /// The names this layer's tools are listed under (before the entry's tool filter).
    pub fn tool_names(&self) -> Vec<String> {
        self.table
            .read()
            .map(|table| table.original.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The current state.
    pub fn state(&self) -> GatewayState {
        self.state.borrow().clone()
    }

    /// Ends the gateway session (DELETE), within `limit`.
    pub async fn shutdown(&self, limit: Duration) {
        self.gateway.shutdown(limit).await;
    }

    /// Connects and lists the gateway's tools. When the gateway cannot be reached at all (the
    /// machine is offline), or there is no sign-in to send (the user is yet to run `tray-mcp
    /// login`), keeps trying in the background with capped exponential backoff; stderr says so
    /// once, and once more when it connects. Any other failure is final.
    async fn connect(self: Arc<Self>) {
        let declared = {
            let mut receiver = self.client_capabilities.subscribe();
            match receiver.wait_for(Option::is_some).await {
                Ok(capabilities) => capabilities.clone().unwrap_or_default(),
                Err(_) => return,
            }
        };
        self.gateway.set_capabilities(forwardable_capabilities(&declared));
        let config = self.gateway.config();
        let mut wait = config.offline_retry;
        let mut retrying = false;
        loop {
            match self.connect_once().await {
                Ok(tools) => {
                    let prompts = self.list_prompts().await;
                    return self.connected(tools, prompts, retrying);
                }
                Err(error) if error.is_offline() || error.waits_for_sign_in() => {
                    if !retrying {
                        let next = if error.waits_for_sign_in() {
                            "; its tools are added once you sign in (no restart needed)"
                        } else {
                            "; retrying in the background"
                        };
                        self.fail(error, next);
                        retrying = true;
                    } else {
                        tracing::debug!(%error, ?wait, "Agent Gateway still unreachable; retrying");
                        self.state.send_replace(GatewayState::Failed(error));
                    }
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2).min(config.offline_retry_cap);
                }
                Err(error) => return self.fail(error, ""),
            }
        }
    }

    async fn connect_once(&self) -> Result<Vec<Value>, GatewayError> {
        self.gateway.connect().await?;
        self.gateway.list_tools().await
    }

    /// The upstream's prompts, when it declared any; a failure leaves its tools working.
    async fn list_prompts(&self) -> Vec<Value> {
        if !self.upstream_offers(Listing::Prompts) {
            return Vec::new();
        }
        self.gateway
            .list_all("prompts/list", "prompts")
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "could not list the {}'s prompts; its tools still work", self.upstream.label());
                Vec::new()
            })
    }

    /// Whether the upstream declared `listing` in its `initialize` result.
    fn upstream_offers(&self, listing: Listing) -> bool {
        self.gateway.server_capabilities().get(listing.capability()).is_some()
    }

    /// Takes the upstream's tools and prompts into the lists, and tells the client of each list
    /// it may have seen without them (it listed while connecting, or the first connection
    /// failed).
    fn connected(&self, tools: Vec<Value>, prompts: Vec<Value>, after_retry: bool) {
        let count = tools.len();
        self.replace_tools(tools);
        self.replace_prompts(prompts);
        self.state.send_replace(GatewayState::Ready);
        tracing::info!(tools = count, url = %self.gateway.url(), "{} connected", self.upstream.label());
        let client_listed_before = after_retry && self.client_ready.load(Ordering::SeqCst);
        for listing in [Listing::Tools, Listing::Prompts, Listing::Resources] {
            let may_have_listed = self.listed_early[listing as usize].load(Ordering::SeqCst) || client_listed_before;
            if may_have_listed && (listing == Listing::Tools || self.upstream_offers(listing)) {
                self.send(&listing.list_changed());
            }
        }
    }

    /// Records a failure, and says so on stderr once.
    /// `next` says what happens now (empty: nothing).
    fn fail(&self, error: GatewayError, next: &str) {
        let (problem, hint) = self.upstream.explain(&error);
        let label = self.upstream.label();
        tracing::error!(
            "{label} unavailable: {problem}{next}. The built-in tools keep working; calls to \
             {label} tools return this error. hint: {hint}"
        );
        self.state.send_replace(GatewayState::Failed(error));
    }

    fn replace_tools(&self, tools: Vec<Value>) {
        let shaped = tools.into_iter().map(|tool| self.upstream.listed(tool)).collect();
        if let Ok(mut raw) = self.raw.write() {
            *raw = shaped;
        }
        self.rebuild_table();
    }

    /// Renames this upstream's tools against the names the layers below list now.
    fn rebuild_table(&self) {
        let tools = self.raw.read().map(|raw| raw.clone()).unwrap_or_default();
        let table = tool_table(self.names_below(), self.upstream.collision_prefix(), tools);
        if let Ok(mut slot) = self.table.write() {
            *slot = table;
        }
    }

    fn replace_prompts(&self, prompts: Vec<Value>) {
        if let Ok(mut raw) = self.raw_prompts.write() {
            *raw = prompts;
        }
        self.rebuild_prompts();
    }

    /// Renames this upstream's prompts against the prompt names the layers below list now (the
    /// built-in server has none).
    fn rebuild_prompts(&self) {
        let prompts = self.raw_prompts.read().map(|raw| raw.clone()).unwrap_or_default();
        let below = self
            .beneath
            .as_ref()
            .map(|beneath| beneath.listed_prompt_names())
            .unwrap_or_default();
        let table = tool_table(below, self.upstream.collision_prefix(), prompts);
        if let Ok(mut slot) = self.prompts.write() {
            *slot = table;
        }
    }

    /// Every prompt name this layer and those below list.
    fn listed_prompt_names(&self) -> HashSet<String> {
        let mut names = self
            .beneath
            .as_ref()
            .map(|beneath| beneath.listed_prompt_names())
            .unwrap_or_default();
        if let Ok(table) = self.prompts.read() {
            names.extend(table.original.keys().cloned());
        }
        names
    }

    /// Whether `name` is one of this layer's listed prompts.
    fn owns_prompt(&self, name: &str) -> bool {
        self.prompts.read().is_ok_and(|table| table.original.contains_key(name))
    }

    /// The tool names the layers below list: the built-in tools and their upstreams' tools.
    fn names_below(&self) -> HashSet<String> {
        match &self.beneath {
            Some(beneath) => beneath.listed_names(),
            None => self.builtin_names.clone(),
        }
    }

    /// Every tool name this layer and those below list.
    fn listed_names(&self) -> HashSet<String> {
        let mut names = self.names_below();
        if let Ok(table) = self.table.read() {
            names.extend(table.original.keys().cloned());
        }
        names
    }

    /// Whether `name` is one of this layer's listed tools.
    fn owns(&self, name: &str) -> bool {
        self.table.read().is_ok_and(|table| table.original.contains_key(name))
    }

    /// Hands a message this layer does not take to the one below, or (at the bottom) to rmcp.
    fn pass_down(&self, message: Value, outbox: &Outbox) -> Option<Value> {
        match &self.beneath {
            Some(beneath) => beneath.intercept(message, outbox),
            None => Some(message),
        }
    }

    fn send(&self, message: &Value) {
        if let Some(outbox) = self.outbox.get() {
            outbox.send(message);
        }
    }

    /// Waits for the gateway to stop connecting: up to `limit`, or (with `None`) as long as
    /// connecting takes, which is bounded by its time limits and attempts.
    async fn settled(&self, limit: Option<Duration>) -> GatewayState {
        let mut receiver = self.state.subscribe();
        let wait = async move {
            match receiver
                .wait_for(|state| !matches!(state, GatewayState::Connecting))
                .await
            {
                Ok(state) => state.clone(),
                Err(_) => GatewayState::Connecting,
            }
        };
        match limit {
            Some(limit) => tokio::time::timeout(limit, wait).await.unwrap_or_else(|_| self.state()),
            None => wait.await,
        }
    }

    /// Passes on a message that came before a forwarded call's response, keeping the order:
    /// notifications go straight to the client, requests to the usual handling.
    fn pass_in_band(&self, message: Value) {
        let method = message.get("method").and_then(Value::as_str);
        if message.get("id").is_none() && method.is_some_and(|method| method != "notifications/cancelled") {
            if self.client_ready.load(Ordering::SeqCst) {
                self.send(&message);
            }
        } else {
            self.gateway.deliver(message);
        }
    }
}

/// What a forwarded client request asks of the gateway.
#[derive(Debug, Clone, Copy)]
enum Request {
    /// `tools/call` of a gateway tool.
    Tool,
    /// `prompts/get` of a gateway prompt.
    Prompt,
    /// `resources/read`, `resources/subscribe` or `resources/unsubscribe`.
    Resource,
    /// `completion/complete` of an argument of a gateway prompt or resource template.
    Completion,
}

/// A client's request on its way to the gateway.
struct ForwardedCall {
    /// The client's request ID.
    id: Value,
    params: Map<String, Value>,
    kind: Request,
    /// The listed tool or prompt name; for a resource request, its method; for a completion,
    /// the listed prompt name or the resource template's URI.
    target: String,
    /// The request ID the gateway sees.
    gateway_id: String,
}

#[cfg(test)]
mod tests {
    use super::upstream_events::apply_elicitation_defaults;
    use super::*;

    #[test]
    fn an_accepted_form_elicitation_gets_the_defaults_of_the_fields_left_out() {
        let request = json!({"method": "elicitation/create", "params": {"requestedSchema": {"properties": {
            "name": {"type": "string", "default": "John"},
            "age": {"type": "integer", "default": 30},
            "note": {"type": "string"},
        }}}});
        let mut accepted = json!({"result": {"action": "accept", "content": {"name": "Ada"}}});
        apply_elicitation_defaults(&request, &mut accepted);
        assert_eq!(accepted["result"]["content"], json!({"name": "Ada", "age": 30}));
        let mut declined = json!({"result": {"action": "decline"}});
        apply_elicitation_defaults(&request, &mut declined);
        assert_eq!(declined, json!({"result": {"action": "decline"}}));
        let mut url_mode = json!({"result": {"action": "accept"}});
        let url_request = json!({"params": {"mode": "url", "requestedSchema": request["params"]["requestedSchema"]}});
        apply_elicitation_defaults(&url_request, &mut url_mode);
        assert_eq!(url_mode, json!({"result": {"action": "accept"}}));
    }

    #[test]
    fn only_the_capabilities_the_pass_through_forwards_are_declared_to_the_gateway() {
        let declared = json!({"elicitation": {"form": {}}, "roots": {"listChanged": true}, "experimental": {"x": {}}});
        assert_eq!(
            forwardable_capabilities(&declared),
            json!({"elicitation": {"form": {}}, "roots": {"listChanged": true}})
        );
    }

    #[test]
    fn colliding_names_get_a_prefix_and_keep_every_other_field() {
        let builtin: HashSet<String> = ["list_workflows".to_string()].into();
        let tools = vec![
            json!({"name": "list_workflows", "x-vendor": {"a": 1}, "_meta": {"k": "v"}}),
            json!({"name": "gateway_list_workflows"}),
            json!({"name": "send_email", "inputSchema": {"type": "object"}}),
            json!({"description": "no name"}),
        ];
        let table = tool_table(builtin, COLLISION_PREFIX, tools);
        let names: Vec<&str> = table.listed.iter().filter_map(|tool| tool["name"].as_str()).collect();
        assert_eq!(
            names,
            ["gateway_list_workflows", "gateway_gateway_list_workflows", "send_email"]
        );
        assert_eq!(table.listed[0]["x-vendor"], json!({"a": 1}));
        assert_eq!(table.listed[0]["_meta"], json!({"k": "v"}));
        assert_eq!(table.original["gateway_list_workflows"], "list_workflows");
        assert_eq!(table.original["send_email"], "send_email");
    }
}
