"""Enumerations shared by the API, the workflows and the store (roles, districts, organisation kinds)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a caller may do; carried in the `role` claim of every bearer token."""

    BANK_OFFICER = "bank_officer"
    BANK_APPROVER = "bank_approver"
    GUARANTOR = "guarantor"
    INSURER = "insurer"
    VALUER = "valuer"
    STATION_SPECIALIST = "station_specialist"
    DISTRICT_REVIEWER = "district_reviewer"
    CITY_ADMIN = "city_admin"
    ENTERPRISE = "enterprise"
    PLATFORM_ADMIN = "platform_admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS: dict[Role, str] = {
    Role.BANK_OFFICER: "银行客户经理",
    Role.BANK_APPROVER: "银行审批人",
    Role.GUARANTOR: "担保公司",
    Role.INSURER: "保险公司",
    Role.VALUER: "资产评估机构",
    Role.STATION_SPECIALIST: "知识产权金融服务专员",
    Role.DISTRICT_REVIEWER: "区牵头部门审核人",
    Role.CITY_ADMIN: "市级管理员",
    Role.ENTERPRISE: "企业",
    Role.PLATFORM_ADMIN: "平台管理员",
}


class District(StrEnum):
    """The districts of Shenzhen (深圳市各区), by stable code; `label` is the Chinese name."""

    FUTIAN = "futian"
    LUOHU = "luohu"
    NANSHAN = "nanshan"
    YANTIAN = "yantian"
    BAOAN = "baoan"
    LONGGANG = "longgang"
    LONGHUA = "longhua"
    PINGSHAN = "pingshan"
    GUANGMING = "guangming"
    DAPENG = "dapeng"
    SHENSHAN = "shenshan"

    @property
    def label(self) -> str:
        return _DISTRICT_LABELS[self]


_DISTRICT_LABELS: dict[District, str] = {
    District.FUTIAN: "福田区",
    District.LUOHU: "罗湖区",
    District.NANSHAN: "南山区",
    District.YANTIAN: "盐田区",
    District.BAOAN: "宝安区",
    District.LONGGANG: "龙岗区",
    District.LONGHUA: "龙华区",
    District.PINGSHAN: "坪山区",
    District.GUANGMING: "光明区",
    District.DAPENG: "大鹏新区",
    District.SHENSHAN: "深汕特别合作区",
}


class OrganisationKind(StrEnum):
    """The kinds of organisation that take part in a loan."""

    BANK = "bank"
    GUARANTEE_COMPANY = "guarantee_company"
    INSURER = "insurer"
    APPRAISAL_AGENCY = "appraisal_agency"
    SERVICE_STATION = "service_station"
    DISTRICT_OFFICE = "district_office"
    CITY_OFFICE = "city_office"
    ASSOCIATION = "association"
    ENTERPRISE = "enterprise"
    PLATFORM = "platform"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.BANK: "银行",
    OrganisationKind.GUARANTEE_COMPANY: "担保公司",
    OrganisationKind.INSURER: "保险公司",
    OrganisationKind.APPRAISAL_AGENCY: "资产评估机构",
    OrganisationKind.SERVICE_STATION: "知识产权金融服务站",
    OrganisationKind.DISTRICT_OFFICE: "区牵头部门",
    OrganisationKind.CITY_OFFICE: "市级有关部门",
    OrganisationKind.ASSOCIATION: "知识产权金融协会",
    OrganisationKind.ENTERPRISE: "企业",
    OrganisationKind.PLATFORM: "平台运营方",
}
