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

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, watch};

use super::transport::{Intercept, Outbox};
use crate::remote::gateway::{BoxFuture, GatewayClient, GatewayError, ServerMessage};

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

/// The gateway's tools as listed to the client, and how to forward them.
#[derive(Debug, Default)]
struct ToolTable {
    /// Tool objects as the gateway sent them, `name` replaced where it collided.
    listed: Vec<Value>,
    /// Listed name → the gateway's own name.
    original: HashMap<String, String>,
}

/// Builds the table: an upstream's tools in their order, renamed with `prefix` where a name is
/// taken.
fn tool_table(mut taken: HashSet<String>, prefix: &str, tools: Vec<Value>) -> ToolTable {
    let mut table = ToolTable::default();
    for mut tool in tools {
        let Some(name) = tool.get("name").and_then(Value::as_str).map(str::to_string) else {
            tracing::warn!("an upstream listed a tool without a name; skipped");
            continue;
        };
        let mut listed = name.clone();
        let mut round = 1;
        while taken.contains(&listed) {
            listed = if round == 1 {
                format!("{prefix}{name}")
            } else {
                format!("{prefix}{round}_{name}")
            };
            round += 1;
        }
        if listed != name {
            tracing::info!(tool = %name, listed = %listed, "upstream tool renamed: its name is taken");
            if let Some(object) = tool.as_object_mut() {
                object.insert("name".to_string(), Value::String(listed.clone()));
            }
        }
        taken.insert(listed.clone());
        table.original.insert(listed, name);
        table.listed.push(tool);
    }
    table
}

/// `tools` (as the Agent Gateway lists them) as the pass-through lists them over the built-in
/// `builtin_tools`: renamed where a name is taken. For the install's approvals, which must
/// name the tools as `serve` does.
pub fn listed_as(builtin_tools: &[Value], tools: Vec<Value>) -> Vec<Value> {
    let taken = builtin_tools
        .iter()
        .filter_map(|tool| tool.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    tool_table(taken, COLLISION_PREFIX, tools).listed
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

    /// The merged tool list as `tools/list` answers it (this layer's and those below, renamed):
    /// the one place it is assembled, which [`super::filter`] filters.
    pub async fn listed_tools(self: &Arc<Self>) -> Vec<Value> {
        self.merged(Renamed::Tools).await
    }

    async fn answer_list(self: Arc<Self>, id: Value) {
        let tools = self.merged(Renamed::Tools).await;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": {"tools": tools}}));
    }

    /// `prompts/list`: the prompts of the layers below, then this upstream's, in one page.
    async fn answer_prompt_list(self: Arc<Self>, id: Value) {
        let prompts = self.merged(Renamed::Prompts).await;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": {"prompts": prompts}}));
    }

    /// The tools or prompts of the layers below (the built-in server's tools at the bottom; it
    /// has no prompts), then this upstream's renamed ones, each layer waiting a bounded time
    /// for its upstream to finish connecting (all at once).
    fn merged(self: &Arc<Self>, list: Renamed) -> BoxFuture<'_, Vec<Value>> {
        Box::pin(async move {
            let below = async {
                match (&self.beneath, list) {
                    (Some(beneath), _) => beneath.merged(list).await,
                    (None, Renamed::Tools) => self.builtin_tools.clone(),
                    (None, Renamed::Prompts) => Vec::new(),
                }
            };
            let (mut items, state) = tokio::join!(below, self.settled(Some(self.connect_wait)));
            if matches!(state, GatewayState::Connecting) {
                self.listed_early[list.listing() as usize].store(true, Ordering::SeqCst);
            }
            let table = match list {
                Renamed::Tools => {
                    self.rebuild_table();
                    &self.table
                }
                Renamed::Prompts => {
                    self.rebuild_prompts();
                    &self.prompts
                }
            };
            if let Ok(table) = table.read() {
                items.extend(table.listed.iter().cloned());
            }
            items
        })
    }

    /// `resources/list` or `resources/templates/list`: forwarded as asked when the upstream
    /// has resources, else the built-in server's (empty) list.
    async fn answer_resource_list(self: Arc<Self>, id: Value, method: String, params: Value) {
        let state = self.settled(Some(self.connect_wait)).await;
        if matches!(state, GatewayState::Ready) && self.upstream_offers(Listing::Resources) {
            let gateway_id = self.gateway.next_request_id();
            let answer = match self.relay(&id, gateway_id, &method, params).await {
                Ok(response) => response,
                Err(error) => {
                    tracing::warn!(%method, %error, "forwarded request failed");
                    let what = format!("The {} could not answer {method}", self.upstream.label());
                    self.unavailable(&id, &what, &error)
                }
            };
            return self.send(&answer);
        }
        if matches!(state, GatewayState::Connecting) {
            self.listed_early[Listing::Resources as usize].store(true, Ordering::SeqCst);
        }
        let key = if method == "resources/templates/list" {
            "resourceTemplates"
        } else {
            "resources"
        };
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": {key: []}}));
    }

    /// Sends one request on to the upstream and returns its response as it came, under the
    /// client's `id`. What comes before the response on its stream (progress, logging, requests
    /// to the client) is passed on in order.
    async fn relay(
        self: &Arc<Self>,
        id: &Value,
        gateway_id: String,
        method: &str,
        params: Value,
    ) -> Result<Value, GatewayError> {
        let limit = self.gateway.config().call_timeout;
        let in_band = |message: Value| self.pass_in_band(message);
        match self
            .gateway
            .request_as(gateway_id, method, params, limit, Some(&in_band))
            .await?
        {
            Value::Object(mut response) => {
                // The upstream's response as it came; only the id is the client's again.
                response.insert("id".to_string(), id.clone());
                Ok(Value::Object(response))
            }
            other => Err(GatewayError::Protocol(format!(
                "the answer to {method} is not a JSON-RPC response: {other}"
            ))),
        }
    }

    /// The error answer to a prompt or resource request the upstream could not serve: `what`,
    /// why, and what to do.
    fn unavailable(&self, id: &Value, what: &str, error: &GatewayError) -> Value {
        let (problem, hint) = self.upstream.explain(error);
        rpc_error(
            id,
            -32603,
            &format!("{what}: {problem}. The built-in Tray tools still work. What to do: {hint}"),
        )
    }

    async fn answer_call(self: Arc<Self>, call: ForwardedCall) {
        let key = call.id.to_string();
        match call.kind {
            Request::Tool => self.answer_call_as(call).await,
            Request::Prompt => {
                let answer = self.answer_prompt_get(call).await;
                self.send(&answer);
            }
            Request::Resource => {
                let answer = self.answer_resource_request(call).await;
                self.send(&answer);
            }
            Request::Completion => {
                let answer = self.answer_completion(call).await;
                self.send(&answer);
            }
        }
        if let Ok(mut calls) = self.calls.lock() {
            calls.remove(&key);
        }
    }

    /// `prompts/get` of one of this upstream's prompts, under its own name.
    async fn answer_prompt_get(self: &Arc<Self>, call: ForwardedCall) -> Value {
        let ForwardedCall {
            id,
            mut params,
            target: name,
            gateway_id,
            ..
        } = call;
        let state = self.settled(None).await;
        let label = self.upstream.label();
        let original = self
            .prompts
            .read()
            .ok()
            .and_then(|table| table.original.get(&name).cloned());
        let Some(original) = original else {
            return match state {
                GatewayState::Failed(error) => {
                    self.unavailable(&id, &format!("The prompt {name} cannot be reached"), &error)
                }
                GatewayState::Connecting => rpc_error(
                    &id,
                    -32602,
                    &format!("unknown prompt {name}: the {label} is still connecting; list the prompts again shortly"),
                ),
                GatewayState::Ready => rpc_error(
                    &id,
                    -32602,
                    &format!("unknown prompt {name}: not one of the {label}'s prompts"),
                ),
            };
        };
        params.insert("name".to_string(), Value::String(original.clone()));
        match self.relay(&id, gateway_id, "prompts/get", Value::Object(params)).await {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(prompt = %original, %error, "forwarded prompts/get failed");
                self.unavailable(&id, &format!("The {label} prompt {original} failed"), &error)
            }
        }
    }

    /// `resources/read`, `resources/subscribe` or `resources/unsubscribe`, forwarded as asked
    /// when the upstream declared what it needs.
    async fn answer_resource_request(self: &Arc<Self>, call: ForwardedCall) -> Value {
        let ForwardedCall {
            id,
            params,
            target: method,
            gateway_id,
            ..
        } = call;
        let uri = params
            .get("uri")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let label = self.upstream.label();
        match self.settled(None).await {
            GatewayState::Failed(error) => {
                return self.unavailable(&id, &format!("The resource {uri} cannot be reached"), &error);
            }
            GatewayState::Connecting => {
                return rpc_error(
                    &id,
                    -32603,
                    &format!(
                        "the resource {uri} cannot be reached yet: the {label} is still connecting; try again shortly"
                    ),
                );
            }
            GatewayState::Ready => {}
        }
        let resources = self.gateway.server_capabilities().get("resources").cloned();
        let subscribing = method != "resources/read";
        let can_subscribe = resources
            .as_ref()
            .and_then(|resources| resources.get("subscribe"))
            .and_then(Value::as_bool)
            == Some(true);
        if subscribing && !can_subscribe {
            return rpc_error(
                &id,
                -32601,
                &format!("{method} is not supported: the {label} does not offer resource subscriptions"),
            );
        }
        if resources.is_none() {
            return rpc_error(
                &id,
                -32002,
                &format!("Resource not found: {uri} (neither the built-in server nor the {label} has resources)"),
            );
        }
        match self.relay(&id, gateway_id, &method, Value::Object(params)).await {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(%method, %error, "forwarded resource request failed");
                self.unavailable(&id, &format!("The {label} could not answer {method} of {uri}"), &error)
            }
        }
    }

    /// `completion/complete` for one of this upstream's prompts (under its own name) or for a
    /// resource template of an upstream with resources. An upstream that offers no completions
    /// gets nothing: the answer is the empty list a server without suggestions gives.
    async fn answer_completion(self: &Arc<Self>, call: ForwardedCall) -> Value {
        let ForwardedCall {
            id,
            mut params,
            target,
            gateway_id,
            ..
        } = call;
        let label = self.upstream.label();
        match self.settled(None).await {
            GatewayState::Failed(error) => {
                return self.unavailable(&id, &format!("Completions for {target} cannot be reached"), &error);
            }
            GatewayState::Connecting => return no_completions(&id),
            GatewayState::Ready => {}
        }
        if self.gateway.server_capabilities().get("completions").is_none() {
            return no_completions(&id);
        }
        let prompt = params
            .get("ref")
            .and_then(|reference| reference.get("type"))
            .and_then(Value::as_str)
            == Some("ref/prompt");
        if prompt {
            let original = self
                .prompts
                .read()
                .ok()
                .and_then(|table| table.original.get(&target).cloned());
            let Some(original) = original else {
                return no_completions(&id);
            };
            if let Some(Value::Object(reference)) = params.get_mut("ref") {
                reference.insert("name".to_string(), Value::String(original));
            }
        }
        match self
            .relay(&id, gateway_id, "completion/complete", Value::Object(params))
            .await
        {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(%target, %error, "forwarded completion/complete failed");
                self.unavailable(
                    &id,
                    &format!("The {label} could not complete an argument of {target}"),
                    &error,
                )
            }
        }
    }

    async fn answer_call_as(self: &Arc<Self>, call: ForwardedCall) {
        let ForwardedCall {
            id,
            mut params,
            target: name,
            gateway_id,
            ..
        } = call;
        let state = self.settled(None).await;
        let original = self
            .table
            .read()
            .ok()
            .and_then(|table| table.original.get(&name).cloned());
        let label = self.upstream.label();
        let Some(original) = original else {
            if let Some(beneath) = &self.beneath {
                // Not this upstream's: the layers below answer it, unless this upstream failed
                // and none below has (or may yet have) the tool, when this failure is the news.
                let below_may_have =
                    beneath.listed_names().contains(&name) || matches!(beneath.state(), GatewayState::Connecting);
                if below_may_have || !matches!(state, GatewayState::Failed(_)) {
                    return beneath.start_call(id, params, Request::Tool, name);
                }
            }
            let message = match state {
                GatewayState::Failed(error) => {
                    let (problem, hint) = self.upstream.explain(&error);
                    return self.send(&tool_error(&id, &format!(
                        "The tool {name} cannot be reached: {problem}. The built-in Tray tools still work. What to do: {hint}"
                    )));
                }
                GatewayState::Connecting => {
                    format!("unknown tool {name}: the {label} is still connecting; list the tools again shortly")
                }
                GatewayState::Ready => {
                    format!("unknown tool {name}: neither a built-in tool nor one of the {label}'s tools")
                }
            };
            return self.send(&json!({
                "jsonrpc": "2.0",
                "id": id,
                "error": {"code": -32602, "message": message},
            }));
        };
        params.insert("name".to_string(), Value::String(original.clone()));
        if let Err(refusal) = self.upstream.prepare_call(&original, &mut params) {
            return self.send(&tool_error(&id, &refusal));
        }
        let limit = self.gateway.config().call_timeout;
        let in_band = |message: Value| self.pass_in_band(message);
        match self
            .gateway
            .request_as(gateway_id, "tools/call", Value::Object(params), limit, Some(&in_band))
            .await
        {
            Ok(Value::Object(mut response)) => {
                // The gateway's response as it came; only the id is the client's again.
                response.insert("id".to_string(), id);
                self.send(&Value::Object(response));
            }
            Ok(other) => self.send(&tool_error(
                &id,
                &format!("The {label} answered {original} with something that is not a JSON-RPC response: {other}"),
            )),
            Err(error) => {
                tracing::warn!(tool = %original, %error, "forwarded tool call failed");
                let (problem, hint) = self.upstream.explain(&error);
                self.send(&tool_error(
                    &id,
                    &format!("The {label} tool {original} failed: {problem}. What to do: {hint}"),
                ));
            }
        }
    }

    /// Passes on what the upstream sends by itself. A tools or prompts `list_changed` refreshes
    /// that list first; `ping` is answered here; other requests go to the client when it
    /// declared what they need, and are refused otherwise.
    async fn pass_on(self: Arc<Self>, mut messages: mpsc::UnboundedReceiver<ServerMessage>) {
        while let Some(ServerMessage(message)) = messages.recv().await {
            let method = message
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            match (message.get("id"), method.as_str()) {
                (None, "notifications/tools/list_changed") => {
                    match self.gateway.list_tools().await {
                        Ok(tools) => {
                            self.replace_tools(tools);
                            self.state.send_replace(GatewayState::Ready);
                        }
                        Err(error) => tracing::warn!(%error, "could not refresh the Agent Gateway's tools"),
                    }
                    if self.client_ready.load(Ordering::SeqCst) {
                        self.send(&message);
                    }
                }
                (None, "notifications/prompts/list_changed") => {
                    let prompts = self.list_prompts().await;
                    self.replace_prompts(prompts);
                    if self.client_ready.load(Ordering::SeqCst) {
                        self.send(&message);
                    }
                }
                (None, "notifications/cancelled") => self.cancelled_by_gateway(&message),
                (None, "") => {
                    tracing::debug!("the Agent Gateway sent a message that is neither request nor notification")
                }
                (None, _) => {
                    if self.client_ready.load(Ordering::SeqCst) {
                        self.send(&message);
                    }
                }
                (Some(id), "ping") => {
                    let answer = json!({"jsonrpc": "2.0", "id": id, "result": {}});
                    if let Err(error) = self.gateway.send_message(&answer).await {
                        tracing::debug!(%error, "could not answer the Agent Gateway's ping");
                    }
                }
                (Some(id), _) => {
                    let id = id.clone();
                    if let Some(refusal) = self.forward_to_client(id.clone(), &method, message) {
                        tracing::info!(%method, "refused a request from the Agent Gateway: {refusal}");
                        let answer = json!({"jsonrpc": "2.0", "id": id, "error": {
                            "code": -32601,
                            "message": refusal,
                        }});
                        if let Err(error) = self.gateway.send_message(&answer).await {
                            tracing::debug!(%error, "could not refuse the Agent Gateway's request");
                        }
                    }
                }
            }
        }
    }
}

impl Passthrough {
    /// Passes a request from the gateway to the client under an ID of ours, when the client
    /// declared the capability it needs. Returns why not, otherwise.
    fn forward_to_client(&self, gateway_id: Value, method: &str, mut request: Value) -> Option<String> {
        let Some((_, capability)) = FORWARDED_REQUESTS.iter().find(|(name, _)| *name == method) else {
            return Some(format!(
                "{method} is not supported by tray-mcp's {} pass-through",
                self.upstream.label()
            ));
        };
        let declared = self.client_capabilities.borrow().clone().unwrap_or_default();
        if declared.get(capability).is_none() {
            return Some(format!(
                "the MCP client connected to tray-mcp did not declare the {capability} capability, so it cannot answer {method}"
            ));
        }
        let id = format!(
            "{}{}",
            self.upstream.forward_prefix(),
            self.next_forward.fetch_add(1, Ordering::Relaxed)
        );
        if let Some(object) = request.as_object_mut() {
            object.insert("id".to_string(), Value::String(id.clone()));
        }
        if let Ok(mut forwarded) = self.forwarded.lock() {
            forwarded.insert(
                id,
                Forwarded {
                    gateway_id,
                    request: request.clone(),
                },
            );
        }
        self.send(&request);
        None
    }

    /// The client answered a request forwarded from the gateway: sends the answer on, under
    /// the gateway's ID (an accepted form elicitation gets the schema's defaults for the fields
    /// the client left out, as SEP-1034 asks of clients). Returns false when `id` is not one.
    fn answer_from_client(self: &Arc<Self>, id: &str, mut message: Value) -> bool {
        let Some(forwarded) = self
            .forwarded
            .lock()
            .ok()
            .and_then(|mut forwarded| forwarded.remove(id))
        else {
            return false;
        };
        if forwarded.request.get("method").and_then(Value::as_str) == Some("elicitation/create") {
            apply_elicitation_defaults(&forwarded.request, &mut message);
        }
        if let Some(object) = message.as_object_mut() {
            object.insert("id".to_string(), forwarded.gateway_id);
        }
        let gateway = Arc::clone(&self.gateway);
        tokio::spawn(async move {
            if let Err(error) = gateway.send_message(&message).await {
                tracing::warn!(%error, "could not pass the client's answer on to the Agent Gateway");
            }
        });
        true
    }

    /// The gateway cancelled a request it had sent: the client is told, under its ID.
    fn cancelled_by_gateway(&self, message: &Value) {
        let Some(gateway_id) = message.pointer("/params/requestId") else {
            return;
        };
        let found = self.forwarded.lock().ok().and_then(|mut forwarded| {
            let id = forwarded
                .iter()
                .find(|(_, entry)| &entry.gateway_id == gateway_id)
                .map(|(id, _)| id.clone())?;
            forwarded.remove(&id).map(|_| id)
        });
        if let Some(id) = found {
            let mut message = message.clone();
            if let Some(params) = message.get_mut("params").and_then(Value::as_object_mut) {
                params.insert("requestId".to_string(), Value::String(id));
            }
            self.send(&message);
        }
    }

    /// The client cancelled a forwarded `tools/call`: stop waiting for it, and tell the gateway
    /// under its ID. Returns false when the request is not a forwarded call.
    fn cancelled_by_client(self: &Arc<Self>, message: &Value) -> bool {
        let Some(request_id) = message.pointer("/params/requestId") else {
            return false;
        };
        let Some(call) = self
            .calls
            .lock()
            .ok()
            .and_then(|mut calls| calls.remove(&request_id.to_string()))
        else {
            return false;
        };
        if let Some(abort) = call.abort {
            abort.abort();
        }
        let mut message = message.clone();
        if let Some(params) = message.get_mut("params").and_then(Value::as_object_mut) {
            params.insert("requestId".to_string(), Value::String(call.gateway_id));
        }
        self.send_to_gateway(message);
        true
    }

    /// Whether `token` is the progress token of a request forwarded from the gateway.
    fn is_forwarded_progress(&self, token: &Value) -> bool {
        self.forwarded.lock().is_ok_and(|forwarded| {
            forwarded
                .values()
                .any(|entry| entry.request.pointer("/params/_meta/progressToken") == Some(token))
        })
    }

    fn send_to_gateway(&self, message: Value) {
        let gateway = Arc::clone(&self.gateway);
        tokio::spawn(async move {
            if let Err(error) = gateway.send_message(&message).await {
                tracing::debug!(%error, "could not pass a notification on to the Agent Gateway");
            }
        });
    }

    /// Starts a forwarded request (a `tools/call`, `prompts/get` or resource request, by `kind`
    /// of `target`: the listed tool or prompt name, or the resource method), remembered so the
    /// client can cancel it.
    /// Routes `completion/complete`: a prompt's to the layer that lists the prompt, a resource
    /// template's to the top-most layer whose upstream has resources (as resources are routed).
    /// What no upstream owns goes down to the built-in server, which has no suggestions.
    fn intercept_completion(self: &Arc<Self>, id: Value, message: Value, outbox: &Outbox) -> Option<Value> {
        let Some(params) = message.get("params").and_then(Value::as_object) else {
            return self.pass_down(message, outbox);
        };
        let reference = params.get("ref");
        let field = |key: &str| {
            reference
                .and_then(|reference| reference.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let target = match field("type").as_deref() {
            Some("ref/prompt") => field("name").filter(|name| self.owns_prompt(name)),
            Some("ref/resource") => field("uri").filter(|_| self.upstream_offers(Listing::Resources)),
            _ => None,
        };
        let Some(target) = target else {
            return self.pass_down(message, outbox);
        };
        self.start_call(id, params.clone(), Request::Completion, target);
        None
    }

    fn start_call(self: &Arc<Self>, id: Value, params: Map<String, Value>, kind: Request, target: String) {
        let key = id.to_string();
        let gateway_id = self.gateway.next_request_id();
        if let Ok(mut calls) = self.calls.lock() {
            calls.insert(
                key.clone(),
                InFlight {
                    gateway_id: gateway_id.clone(),
                    abort: None,
                },
            );
        }
        let task = tokio::spawn(Arc::clone(self).answer_call(ForwardedCall {
            id,
            params,
            kind,
            target,
            gateway_id,
        }));
        if let Ok(mut calls) = self.calls.lock()
            && let Some(call) = calls.get_mut(&key)
        {
            call.abort = Some(task.abort_handle());
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

/// The client capabilities declared to the gateway: those of the stdio client's that the
/// pass-through forwards (elicitation, sampling, roots), as the client declared them.
fn forwardable_capabilities(declared: &Value) -> Value {
    let mut capabilities = Map::new();
    for (_, capability) in FORWARDED_REQUESTS {
        if let Some(value) = declared.get(capability) {
            capabilities.insert(capability.to_string(), value.clone());
        }
    }
    Value::Object(capabilities)
}

/// Fills the `default` of each requested field an accepted form elicitation left out.
fn apply_elicitation_defaults(request: &Value, answer: &mut Value) {
    let params = request.get("params");
    if params
        .and_then(|params| params.get("mode"))
        .is_some_and(|mode| mode != "form")
    {
        return;
    }
    let Some(properties) = params
        .and_then(|params| params.pointer("/requestedSchema/properties"))
        .and_then(Value::as_object)
    else {
        return;
    };
    let Some(result) = answer.get_mut("result").and_then(Value::as_object_mut) else {
        return;
    };
    if result.get("action").and_then(Value::as_str) != Some("accept") {
        return;
    }
    let content = result.entry("content").or_insert_with(|| json!({}));
    let Some(content) = content.as_object_mut() else { return };
    for (name, property) in properties {
        if let Some(default) = property.get("default")
            && !content.contains_key(name)
        {
            content.insert(name.clone(), default.clone());
        }
    }
}

/// A JSON-RPC error response.
fn rpc_error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// A `tools/call` result that is a tool error with `text`.
fn tool_error(id: &Value, text: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "result": {"content": [{"type": "text", "text": text}], "isError": true},
    })
}

/// The answer of a server with no suggestions (`completion/complete`).
fn no_completions(id: &Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": {"completion": {"values": []}}})
}

/// Registered with the transport as `Arc<Passthrough>`: the tasks it spawns need the `Arc`.
impl Intercept for Arc<Passthrough> {
    fn intercept(&self, message: Value, outbox: &Outbox) -> Option<Value> {
        let _ = self.outbox.set(outbox.clone());
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            // A response: to a request forwarded from the gateway, or to rmcp's own.
            let id = message
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if id.starts_with(self.upstream.forward_prefix()) && self.answer_from_client(&id, message.clone()) {
                return None;
            }
            return self.pass_down(message, outbox);
        };
        let Some(id) = message.get("id").cloned() else {
            match method {
                "notifications/initialized" => self.client_ready.store(true, Ordering::SeqCst),
                "notifications/cancelled" if self.cancelled_by_client(&message) => return None,
                "notifications/progress" => {
                    let token = message.pointer("/params/progressToken").cloned().unwrap_or_default();
                    if self.is_forwarded_progress(&token) {
                        self.send_to_gateway(message);
                        return None;
                    }
                }
                "notifications/roots/list_changed" => self.send_to_gateway(message.clone()),
                _ => {}
            }
            return self.pass_down(message, outbox);
        };
        match method {
            "initialize" => {
                let declared = message
                    .pointer("/params/capabilities")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                self.client_capabilities.send_replace(Some(declared));
                self.pass_down(message, outbox)
            }
            "tools/list" => {
                tokio::spawn(Arc::clone(self).answer_list(id));
                None
            }
            "tools/call" => {
                let Some(params) = message.get("params").and_then(Value::as_object) else {
                    return self.pass_down(message, outbox);
                };
                let Some(name) = params.get("name").and_then(Value::as_str) else {
                    return self.pass_down(message, outbox);
                };
                let below = self.builtin_names.contains(name)
                    || (!self.owns(name)
                        && self
                            .beneath
                            .as_ref()
                            .is_some_and(|beneath| beneath.listed_names().contains(name)));
                if below {
                    return self.pass_down(message, outbox);
                }
                let (params, name) = (params.clone(), name.to_string());
                self.start_call(id, params, Request::Tool, name);
                None
            }
            "prompts/list" => {
                tokio::spawn(Arc::clone(self).answer_prompt_list(id));
                None
            }
            "prompts/get" => {
                // Without a name, rmcp answers with the JSON-RPC error.
                let params = message.get("params").and_then(Value::as_object);
                let Some(name) = params.and_then(|params| params.get("name")).and_then(Value::as_str) else {
                    return self.pass_down(message, outbox);
                };
                // Another layer's prompt goes down; the bottom layer answers the unknown ones.
                if !self.owns_prompt(name) && self.beneath.is_some() {
                    return self.pass_down(message, outbox);
                }
                let (params, name) = (params.cloned().unwrap_or_default(), name.to_string());
                self.start_call(id, params, Request::Prompt, name);
                None
            }
            "resources/list"
            | "resources/templates/list"
            | "resources/read"
            | "resources/subscribe"
            | "resources/unsubscribe"
                if self.beneath.is_some() && !self.upstream_offers(Listing::Resources) =>
            {
                // The top-most layer whose upstream has resources takes them; the bottom one
                // answers when none has.
                self.pass_down(message, outbox)
            }
            "resources/list" | "resources/templates/list" => {
                let params = message.get("params").cloned().unwrap_or_else(|| json!({}));
                tokio::spawn(Arc::clone(self).answer_resource_list(id, method.to_string(), params));
                None
            }
            "completion/complete" => self.intercept_completion(id, message, outbox),
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
                // Without params (and so a URI), rmcp answers with the JSON-RPC error.
                let Some(params) = message.get("params").and_then(Value::as_object).cloned() else {
                    return self.pass_down(message, outbox);
                };
                self.start_call(id, params, Request::Resource, method.to_string());
                None
            }
            _ => self.pass_down(message, outbox),
        }
    }
}

#[cfg(test)]
mod tests {
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
