//! TG-CFG-009: EXPOSE of ports whose services should not be reachable from a container.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::{Context, Rule, field_evidence};

pub(super) const RULE: SensitivePorts = SensitivePorts;

pub(super) struct SensitivePorts;

/// (port, service, why it is sensitive). Remote administration, clear-text logins, and
/// services that control the host or a cluster or that accept commands without
/// authentication by default. Ordinary databases (5432, 3306) need a password by default and
/// are not listed.
const SENSITIVE: &[(u16, &str, &str)] = &[
    (21, "FTP", "clear-text logins"),
    (22, "SSH", "a remote shell: containers are entered with exec, not sshd"),
    (23, "Telnet", "a clear-text remote shell"),
    (
        2375,
        "Docker API (plain HTTP)",
        "unauthenticated control of the Docker host, which is root on the host",
    ),
    (
        2376,
        "Docker API (TLS)",
        "control of the Docker host, which is root on the host",
    ),
    (
        2379,
        "etcd client API",
        "a Kubernetes cluster's whole state, secrets included",
    ),
    (3389, "RDP", "remote desktop administration"),
    (5900, "VNC", "remote desktop, often with a weak or no password"),
    (
        6379,
        "Redis",
        "no authentication by default; commands can write files",
    ),
    (
        9200,
        "Elasticsearch HTTP API",
        "no authentication before 8.0; full data access",
    ),
    (
        10250,
        "kubelet API",
        "runs commands in every pod of the node",
    ),
    (
        11211,
        "memcached",
        "no authentication; abused for UDP amplification",
    ),
    (
        27017,
        "MongoDB",
        "no authentication by default before 3.6 (bound to all interfaces)",
    ),
];

/// `22/tcp`, `53/udp`, `8080` or a range `8000-8010/tcp` → the ports it covers (as a range).
fn port_range(exposed: &str) -> Option<(u16, u16)> {
    let number = exposed.split('/').next()?.trim();
    match number.split_once('-') {
        Some((low, high)) => Some((low.trim().parse().ok()?, high.trim().parse().ok()?)),
        None => {
            let port = number.parse().ok()?;
            Some((port, port))
        }
    }
}

impl Rule for SensitivePorts {
    fn id(&self) -> &'static str {
        "TG-CFG-009"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn title(&self) -> &'static str {
        "Sensitive port exposed"
    }

    fn remedy(&self) -> &'static str {
        "Do not run remote-administration or host-control services in the container (use \
         `docker exec`/`kubectl exec` instead of sshd, never expose the Docker API); for data \
         stores, enable authentication and TLS, bind to the network that needs them, and \
         remove the EXPOSE."
    }

    /// `config.ExposedPorts` entries that are, or whose range includes, one of: 21 FTP, 22
    /// SSH, 23 Telnet, 2375/2376 Docker API, 2379 etcd, 3389 RDP, 5900 VNC, 6379 Redis, 9200
    /// Elasticsearch, 10250 kubelet, 11211 memcached, 27017 MongoDB.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let Some(config) = &context.config else {
            return Vec::new();
        };
        let mut evidence = Vec::new();
        for exposed in &config.exposed_ports {
            let Some((low, high)) = port_range(exposed) else {
                continue;
            };
            for (port, service, why) in SENSITIVE {
                if (low..=high).contains(port) {
                    evidence.push(field_evidence(
                        "config.ExposedPorts",
                        format!("{exposed}: {port} is {service}, {why}"),
                    ));
                }
            }
        }
        evidence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_forms() {
        assert_eq!(port_range("22/tcp"), Some((22, 22)));
        assert_eq!(port_range("8080"), Some((8080, 8080)));
        assert_eq!(port_range("6000-6500/tcp"), Some((6000, 6500)));
        assert_eq!(port_range("http/tcp"), None);
        assert_eq!(port_range("70000/tcp"), None);
    }
}
