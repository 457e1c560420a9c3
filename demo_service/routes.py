"""The shop's endpoints and SQL statements, with the resting latency of each handler's own work."""

from __future__ import annotations

import math
from dataclasses import dataclass

from demo_service.topology import CACHE, CATALOG, CHECKOUT, FRONTEND, GATEWAY, PAYMENTS, POSTGRES


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint (or SQL statement for postgres) and its own work time: lognormal, in seconds."""

    service: str
    method: str  # HTTP method, or "SQL" for postgres statements, "GET" for cache keys
    path: str  # path template with {placeholders}, or the SQL text
    mu: float  # log of the median own-work time in seconds
    sigma: float  # spread of the own-work time (log scale)

    @property
    def name(self) -> str:
        """The route as logged in the ``route`` field, e.g. ``POST /api/checkout``."""
        return f"{self.method} {self.path}"


def _route(service: str, method: str, path: str, median_ms: float, sigma: float) -> Route:
    return Route(service, method, path, math.log(median_ms / 1000.0), sigma)


# Frontend: what shoppers' browsers call.
F_HOME = _route(FRONTEND, "GET", "/", 6.0, 0.35)
F_PRODUCT = _route(FRONTEND, "GET", "/api/products/{id}", 5.0, 0.35)
F_SEARCH = _route(FRONTEND, "GET", "/api/search?q={query}", 6.0, 0.35)
F_CART_VIEW = _route(FRONTEND, "GET", "/api/cart", 4.0, 0.35)
F_CART_ADD = _route(FRONTEND, "POST", "/api/cart/items", 5.0, 0.35)
F_CHECKOUT = _route(FRONTEND, "POST", "/api/checkout", 8.0, 0.35)
F_STATIC = _route(FRONTEND, "GET", "/static/{asset}", 1.5, 0.4)

# Internal services.
C_FEATURED = _route(CATALOG, "GET", "/products?featured=true", 4.0, 0.35)
C_PRODUCT = _route(CATALOG, "GET", "/products/{id}", 3.0, 0.35)
C_SEARCH = _route(CATALOG, "GET", "/search?q={query}", 5.0, 0.35)
K_CART_VIEW = _route(CHECKOUT, "GET", "/carts/{cart}", 4.0, 0.35)
K_CART_ADD = _route(CHECKOUT, "POST", "/carts/{cart}/items", 6.0, 0.35)
K_ORDER = _route(CHECKOUT, "POST", "/orders", 20.0, 0.35)
P_CHARGE = _route(PAYMENTS, "POST", "/charges", 6.0, 0.3)
G_CHARGE = _route(GATEWAY, "POST", "/v1/charges", 120.0, 0.28)

# Cache keys.
CA_SESSION = _route(CACHE, "GET", "session:{session}", 0.4, 0.3)
CA_PAGE = _route(CACHE, "GET", "page:product:{id}", 0.5, 0.3)
CA_FEATURED = _route(CACHE, "GET", "catalog:featured", 0.5, 0.3)

# Postgres statements.
Q_FEATURED = _route(
    POSTGRES,
    "SQL",
    "SELECT id, name, price_cents FROM products WHERE featured ORDER BY rank LIMIT 24",
    3.0,
    0.4,
)
Q_PRODUCT = _route(
    POSTGRES,
    "SQL",
    "SELECT id, name, description, price_cents, stock FROM products WHERE id = $1",
    1.2,
    0.4,
)
Q_SEARCH = _route(
    POSTGRES,
    "SQL",
    "SELECT id, name, price_cents FROM products WHERE search_vector @@ plainto_tsquery($1) LIMIT 50",
    9.0,
    0.45,
)
Q_CART = _route(POSTGRES, "SQL", "SELECT product_id, quantity FROM cart_items WHERE cart_id = $1", 1.5, 0.4)
Q_CART_ADD = _route(
    POSTGRES,
    "SQL",
    "INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, $2, $3) "
    "ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = cart_items.quantity + $3",
    2.0,
    0.4,
)
Q_ORDER = _route(
    POSTGRES,
    "SQL",
    "INSERT INTO orders (id, cart_id, total_cents, status) VALUES ($1, $2, $3, 'pending')",
    2.5,
    0.4,
)
Q_STOCK = _route(
    POSTGRES,
    "SQL",
    "UPDATE products SET stock = stock - $2 WHERE id = $1 AND stock >= $2",
    2.5,
    0.4,
)
Q_PAID = _route(POSTGRES, "SQL", "UPDATE orders SET status = 'paid', paid_at = now() WHERE id = $1", 2.0, 0.4)
