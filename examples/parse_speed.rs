fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let t = std::time::Instant::now();
    let mut d = tray_mcp::config::Document::new(&text, tray_mcp::config::Dialect::Json);
    let t1 = t.elapsed();
    d.set(&["mcpServers", "tray"], &serde_json::json!({"command":"x"}))
        .unwrap();
    let t2 = t.elapsed();
    let out = d.to_text();
    println!("parse {:?} set {:?} len {}", t1, t2, out.len());
}
