"""岗区队: the registry of 党员示范岗, 党员责任区, 党员突击队 and 党员服务队 (fusion.md §3)."""
