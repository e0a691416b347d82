"""The city service desk (城市服务台 · 接诉即办): citizens' requests routed to the department that answers them."""
