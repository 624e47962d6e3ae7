# vivado_stubs.tcl: a stand-in for Vivado in plain tclsh, for testing the
# generated Vivado scripts where Vivado cannot run. It is not Vivado: it
# records every Vivado command with its arguments and models the part of
# Vivado's behaviour the scripts rely on, failing where Vivado would:
#
# - projects on disk (create_project writes <dir>/<name>.xpr, open_project
#   needs it), add_files of a file that does not exist fails;
# - the IP packager: package_project -import_files copies the sources into
#   the IP's src/ and its file groups, bus interfaces and their clock, the
#   memory map, save_core writes component.xml, update_ip_catalog reads it;
# - the IP catalog (get_ipdefs) and block-design cells with a per-IP table
#   of pins and interface pins (processing_system7, zynq_ultra_ps_e,
#   axi_dma, proc_sys_reset, smartconnect, and the tomatl IP, whose ports
#   come from TOMATL_STUB_IP_PINS / TOMATL_STUB_IP_INTF): a pin exists only
#   when the cell's configuration enables it, get_bd_pins and
#   connect_bd_* fail on a cell or pin that does not exist, an interface
#   connection joins a master and a slave of one bus type, CONFIG names
#   outside the IP's list fail, and the AXI DMA's values are checked
#   against PG021's ranges;
# - validate_bd_design: every interface pin connected, every clock and
#   reset input driven, AXI4-Stream widths equal on both ends;
# - the PS clock: a PLL divided by an integer (1000 MHz on Zynq-7000,
#   1500 MHz on UltraScale+), so CONFIG.FREQ_HZ of the clock pin is what
#   such a divider makes of the MHz asked;
# - runs: synthesis resolves every "<name>.mem" the IP's Verilog names
#   against the IP's file group; a missing one is Synth 8-4445, a critical
#   warning unless raised to ERROR, then the run fails; a completed
#   impl_1 leaves a bitstream, generate_target a hardware handoff.
#
# Usage: tclsh vivado_stubs.tcl LOG SCRIPT... ; each SCRIPT is sourced in
# turn, as `vivado -mode batch -source SCRIPT` would. Exit 1 on an error,
# logged as `EV ERROR <message>`.
#
# Log lines: `CMD <command>` then one `ARG <argument>` per argument
# (newlines as \n); `EV <event> <fields>` for what the model concluded.
#
# Environment: TOMATL_STUB_IP_PINS (plain pins of the tomatl IP, e.g.
# "ap_clk ap_rst_n"), TOMATL_STUB_IP_INTF (its interfaces as
# "name bus mode tdata_bits ..."), TOMATL_STUB_BOARD_PARTS (the board parts
# installed; the four Zynq boards' when unset), TOMATL_STUB_PROGRESS
# (impl_1's progress, 100% when unset), TOMATL_STUB_WNS (setup slack,
# 0.25), TOMATL_STUB_HANDOFF (gen or srcs: where the .hwh lands),
# TOMATL_STUB_TRACE (print the Tcl stack of an error on stderr).

namespace eval S {}
set ::S::log [open [lindex $argv 0] w]

proc esc {s} { string map [list \\ \\\\ \n \\n] $s }
proc record {cmd arglist} {
    puts $::S::log "CMD $cmd"
    foreach a $arglist { puts $::S::log "ARG [esc $a]" }
}
proc ev {args} { puts $::S::log "EV [esc [join $args { }]]" }
proc fail {msg} { error "stub: $msg" }
proc env {name default} {
    if {[info exists ::env($name)]} { return $::env($name) }
    return $default
}

# Options and positional arguments of a command: `valued` lists the options
# that take a value; any other -word is a flag.
proc parse {arglist valued} {
    set opts [dict create]
    set pos {}
    for {set i 0} {$i < [llength $arglist]} {incr i} {
        set a [lindex $arglist $i]
        if {[string match -* $a] && ![string is double -strict $a]} {
            if {$a in $valued} {
                incr i
                dict set opts $a [lindex $arglist $i]
            } else {
                dict set opts $a 1
            }
        } else {
            lappend pos $a
        }
    }
    return [list $opts $pos]
}

# Define a stub: its arguments are recorded, then `body` runs with `args`.
proc stub {name body} {
    proc $name args "record [list $name] \$args\n$body"
}

proc unknown args {
    record UNKNOWN $args
    fail "unknown Vivado command `[lindex $args 0]` (the stubs model every command the scripts may use)"
}

# ---------------------------------------------------------------- projects
set ::S::project ""
set ::S::proj_dir ""
set ::S::part ""
set ::S::board_part ""
set ::S::sources {}
set ::S::top ""
set ::S::msg [dict create]
set ::S::repos {}
set ::S::catalog {
    xilinx.com:ip:processing_system7:5.5
    xilinx.com:ip:zynq_ultra_ps_e:3.5
    xilinx.com:ip:axi_dma:7.1
    xilinx.com:ip:proc_sys_reset:5.0
    xilinx.com:ip:smartconnect:1.0
}

proc need_project {} {
    if {$::S::project eq ""} { fail "no open project" }
}
proc save_xpr {} {
    set f [open [file join $::S::proj_dir $::S::project.xpr] w]
    puts $f [list part $::S::part board_part $::S::board_part msg $::S::msg sources $::S::sources top $::S::top repos $::S::repos]
    close $f
}

stub create_project {
    lassign [parse $args {-part}] o p
    lassign $p name dir
    if {![dict exists $o -part]} { fail "create_project without -part" }
    if {[file exists [file join $dir $name.xpr]] && ![dict exists $o -force]} {
        fail "project $dir/$name.xpr exists (no -force)"
    }
    file delete -force $dir
    file mkdir $dir
    set ::S::project $name
    set ::S::proj_dir [file normalize $dir]
    set ::S::part [dict get $o -part]
    set ::S::board_part ""
    set ::S::sources {}
    set ::S::top ""
    set ::S::msg [dict create]
    set ::S::repos {}
    set ::S::bd ""
    ev PROJECT $name $::S::part
    save_xpr
    return "project:$name"
}
stub open_project {
    set xpr [lindex $args 0]
    if {![file exists $xpr]} { fail "open_project: no $xpr" }
    set f [open $xpr]
    set d [read $f]
    close $f
    set ::S::project [file rootname [file tail $xpr]]
    set ::S::proj_dir [file dirname [file normalize $xpr]]
    foreach k {part board_part msg sources top repos} { set ::S::$k [dict get $d $k] }
    return "project:$::S::project"
}
stub close_project {
    need_project
    save_xpr
    set ::S::project ""
}
stub current_project {
    need_project
    return "project:$::S::project"
}
stub current_fileset { need_project; return sources_1 }
stub get_filesets { need_project; return [lindex $args 0] }
stub set_param {}
stub get_board_parts {
    lassign [parse $args {}] o p
    set installed [env TOMATL_STUB_BOARD_PARTS {tul.com.tw:pynq-z2:part0:1.0 xilinx.com:zcu104:part0:1.1 xilinx.com:kv260_som:part0:1.3 avnet.com:ultra96v2:part0:1.2}]
    set out {}
    foreach b $installed {
        if {[string match [lindex $p 0] $b]} { lappend out $b }
    }
    return $out
}
stub set_msg_config {
    lassign [parse $args {-id -new_severity -severity -string}] o p
    if {[dict exists $o -id] && [dict exists $o -new_severity]} {
        dict set ::S::msg [dict get $o -id] [dict get $o -new_severity]
        if {$::S::project ne ""} { save_xpr }
    }
}
stub add_files {
    need_project
    lassign [parse $args {-fileset -of_objects}] o p
    foreach f [concat {*}$p] {
        if {![file exists $f]} { fail "add_files: $f does not exist" }
        lappend ::S::sources [file normalize $f]
    }
    save_xpr
}
stub get_files {
    need_project
    lassign [parse $args {-of_objects}] o p
    set pattern [lindex $p 0]
    set out {}
    foreach f [concat $::S::sources [bd_files]] {
        if {[string match $pattern [file tail $f]] || [string match $pattern $f]} { lappend out $f }
    }
    if {$out eq ""} { fail "get_files: no file matches $pattern" }
    return $out
}
stub update_compile_order { need_project }
stub update_ip_catalog {
    need_project
    foreach r $::S::repos {
        set cx [file join $r component.xml]
        if {[file exists $cx]} {
            set f [open $cx]
            set d [read $f]
            close $f
            set ::S::ipcomp([dict get $d vlnv]) $d
            if {[dict get $d vlnv] ni $::S::catalog} { lappend ::S::catalog [dict get $d vlnv] }
        }
    }
}

# set_property on projects, filesets, IP-XACT objects and block-design cells
stub set_property {
    if {[lindex $args 0] eq "-dict"} {
        set pairs [lindex $args 1]
        set objs [lrange $args 2 end]
    } else {
        lassign $args key value
        set pairs [list $key $value]
        set objs [lrange $args 2 end]
    }
    foreach obj [concat {*}$objs] {
        foreach {k v} $pairs { setprop $obj $k $v }
    }
}
proc setprop {obj k v} {
    switch -glob -- $obj {
        project:* {
            switch -- $k {
                board_part { set ::S::board_part $v }
                ip_repo_paths { set ::S::repos [lmap r $v {file normalize $r}] }
            }
            save_xpr
        }
        sources_1 {
            if {$k eq "top"} { set ::S::top $v; save_xpr }
        }
        ipx_core { dict set ::S::core props $k $v }
        ablock:* { dict set ::S::core blocks [lindex [split $obj :] 2] $k $v }
        busif:* { dict set ::S::core busif_props [lindex [split $obj :] 1] $k $v }
        ipxfile:* { ev IPFILE_PROP [lindex [split $obj :] 2] $k $v }
        default {
            if {[dict exists $::S::cells [string trimleft $obj /]]} {
                set_cell_config $obj $k $v
            } elseif {$obj in $::S::sources} {
                ev FILE_PROP $obj $k $v
            } else {
                fail "set_property $k on `$obj`: no such object"
            }
        }
    }
}

# -------------------------------------------------------------- IP packager
namespace eval ipx {}
set ::S::core ""
stub ipx::package_project {
    need_project
    lassign [parse $args {-root_dir -vendor -library -taxonomy -set_current}] o p
    foreach k {-root_dir -vendor -library -taxonomy} {
        if {![dict exists $o $k]} { fail "package_project without $k" }
    }
    if {$::S::top eq ""} { fail "package_project: no top" }
    set root [file normalize [dict get $o -root_dir]]
    set files {}
    file mkdir [file join $root src]
    foreach f $::S::sources {
        if {[dict exists $o -import_files]} {
            file copy -force $f [file join $root src [file tail $f]]
            lappend files src/[file tail $f]
        } else {
            lappend files $f
        }
    }
    set intf {}
    foreach {n bus mode bits} [env TOMATL_STUB_IP_INTF {}] { lappend intf $n }
    set ::S::core [dict create root $root vendor [dict get $o -vendor] library [dict get $o -library] \
        props [dict create name $::S::top version 1.0] intf $intf pins [env TOMATL_STUB_IP_PINS {}] \
        clocks {} resets {} mmaps {} blocks {} busif_props {} \
        groups [dict create xilinx_anylanguagesynthesis $files xilinx_anylanguagebehavioralsimulation $files]]
    ev PACKAGE [dict get $o -vendor] [dict get $o -library] [dict get $o -taxonomy]
}
proc need_core {} { if {$::S::core eq ""} { fail "no current IP core" } }
stub ipx::current_core { need_core; return ipx_core }
stub ipx::get_bus_interfaces {
    need_core
    lassign [parse $args {-of_objects}] o p
    set n [lindex $p 0]
    if {$n ni [concat [dict get $::S::core intf] [dict get $::S::core pins]]} {
        fail "the IP has no bus interface $n"
    }
    return busif:$n
}
stub ipx::associate_bus_interfaces {
    need_core
    lassign [parse $args {-busif -clock -reset}] o p
    set clk [dict get $o -clock]
    if {$clk ni [dict get $::S::core pins]} { fail "associate: no clock $clk" }
    if {[dict exists $o -busif]} {
        set b [dict get $o -busif]
        if {$b ni [dict get $::S::core intf]} { fail "associate: no bus interface $b" }
        dict set ::S::core clocks $b $clk
        ev ASSOCIATE $b $clk
    }
    if {[dict exists $o -reset]} {
        set r [dict get $o -reset]
        if {$r ni [dict get $::S::core pins]} { fail "associate: no reset $r" }
        dict set ::S::core resets $clk $r
        ev ASSOCIATE $r $clk
    }
}
stub ipx::get_memory_maps {
    need_core
    lassign [parse $args {-of_objects}] o p
    if {[lindex $p 0] in [dict get $::S::core mmaps]} { return mmap:[lindex $p 0] }
    return ""
}
stub ipx::add_memory_map {
    need_core
    set n [lindex $args 0]
    if {$n in [dict get $::S::core mmaps]} { fail "memory map $n exists" }
    dict lappend ::S::core mmaps $n
    return mmap:$n
}
stub ipx::get_address_blocks {
    need_core
    lassign [parse $args {-of_objects}] o p
    set mm [lindex [split [dict get $o -of_objects] :] 1]
    set n [lindex $p 0]
    if {[dict exists $::S::core blocks $n]} { return ablock:$mm:$n }
    return ""
}
stub ipx::add_address_block {
    need_core
    lassign $args n mmap
    set mm [lindex [split $mmap :] 1]
    if {$mm ni [dict get $::S::core mmaps]} { fail "add_address_block: no memory map $mmap" }
    dict set ::S::core blocks $n [dict create mmap $mm]
    return ablock:$mm:$n
}
stub ipx::get_file_groups {
    need_core
    lassign [parse $args {-of_objects}] o p
    set g [lindex $p 0]
    if {![dict exists $::S::core groups $g]} { fail "the IP has no file group $g" }
    return fgroup:$g
}
stub ipx::get_files {
    need_core
    lassign [parse $args {-of_objects}] o p
    set g [lindex [split [dict get $o -of_objects] :] 1]
    set out {}
    foreach f [dict get $::S::core groups $g] {
        if {[string match [lindex $p 0] $f]} { lappend out ipxfile:$g:$f }
    }
    return $out
}
stub ipx::add_file {
    need_core
    lassign $args f fg
    set g [lindex [split $fg :] 1]
    if {![file exists [file join [dict get $::S::core root] $f]]} { fail "ipx::add_file: no $f in the IP" }
    dict lappend ::S::core groups $g $f
}
stub ipx::create_xgui_files { need_core }
stub ipx::update_checksums { need_core }
stub ipx::check_integrity {
    need_core
    foreach b [dict get $::S::core intf] {
        if {![dict exists $::S::core clocks $b]} { fail "integrity: bus interface $b has no associated clock" }
    }
    foreach {n b} [dict get $::S::core blocks] {
        if {![dict exists $b range] || [dict get $b range] < 4096} {
            fail "integrity: address block $n needs a range of at least 4096"
        }
    }
    foreach {b props} [dict get $::S::core busif_props] {
        if {[dict exists $props slave_memory_map_ref]} {
            set mm [dict get $props slave_memory_map_ref]
            if {$mm ni [dict get $::S::core mmaps]} { fail "integrity: $b names memory map $mm" }
        }
    }
}
stub ipx::save_core {
    need_core
    set props [dict get $::S::core props]
    set vlnv [join [list [dict get $::S::core vendor] [dict get $::S::core library] [dict get $props name] [dict get $props version]] :]
    # the address blocks of each slave's memory map, as the block design sees them
    set segs {}
    foreach {b bp} [dict get $::S::core busif_props] {
        if {[dict exists $bp slave_memory_map_ref]} {
            foreach {n blk} [dict get $::S::core blocks] {
                if {[dict get $blk mmap] eq [dict get $bp slave_memory_map_ref]} { lappend segs $b/$n }
            }
        }
    }
    set f [open [file join [dict get $::S::core root] component.xml] w]
    puts $f [list vlnv $vlnv root [dict get $::S::core root] segs $segs groups [dict get $::S::core groups] props $props]
    close $f
    ev IPCORE $vlnv
    foreach {g files} [dict get $::S::core groups] { ev IPFILES $g {*}$files }
    foreach s $segs { ev IPSEG $s }
}

# ------------------------------------------------------------- block design
set ::S::bd ""
set ::S::cells [dict create]
set ::S::conn [dict create]
proc bd_files {} {
    if {$::S::bd eq ""} { return {} }
    return [list [file join $::S::proj_dir $::S::project.srcs sources_1 bd $::S::bd $::S::bd.bd]]
}
stub create_bd_design {
    need_project
    set ::S::bd [lindex $args 0]
    set ::S::cells [dict create]
    set ::S::conn [dict create]
    set f [lindex [bd_files] 0]
    file mkdir [file dirname $f]
    close [open $f w]
}
stub current_bd_design { if {$::S::bd eq ""} { fail "no block design" } }
stub get_ipdefs {
    lassign [parse $args {}] o p
    set out {}
    foreach v $::S::catalog { if {[string match [lindex $p 0] $v]} { lappend out $v } }
    return $out
}
stub get_property {
    lassign $args key obj
    get_prop $key $obj
}

# The cell type of a VLNV: its library:name.
proc kind {vlnv} { join [lrange [split $vlnv :] 1 2] : }

# What a cell's configuration says, case-insensitively, or `default`.
proc cfg {cell key default} {
    set c [dict get $::S::cells $cell config]
    set k [string tolower $key]
    if {[dict exists $c $k]} { return [dict get $c $k] }
    return $default
}

# The CONFIG names each IP takes.
array set ::S::allowed {
    ip:processing_system7 {PCW_USE_M_AXI_GP0 PCW_USE_M_AXI_GP1 PCW_USE_S_AXI_HP0 PCW_S_AXI_HP0_DATA_WIDTH PCW_EN_CLK0_PORT PCW_EN_RST0_PORT PCW_FPGA0_PERIPHERAL_FREQMHZ PCW_USE_FABRIC_INTERRUPT PCW_IRQ_F2P_INTR}
    ip:zynq_ultra_ps_e {PSU__USE__M_AXI_GP0 PSU__USE__M_AXI_GP1 PSU__USE__M_AXI_GP2 PSU__USE__S_AXI_GP2 PSU__SAXIGP2__DATA_WIDTH PSU__MAXIGP0__DATA_WIDTH PSU__FPGA_PL0_ENABLE PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ PSU__USE__IRQ0}
    ip:axi_dma {c_include_sg c_sg_length_width c_sg_include_stscntrl_strm c_include_mm2s c_include_s2mm c_m_axis_mm2s_tdata_width c_s_axis_s2mm_tdata_width c_m_axi_mm2s_data_width c_m_axi_s2mm_data_width c_mm2s_burst_size c_s2mm_burst_size c_include_mm2s_dre c_include_s2mm_dre c_addr_width c_micro_dma}
    ip:proc_sys_reset {C_EXT_RST_WIDTH C_AUX_RST_WIDTH C_EXT_RESET_HIGH C_AUX_RESET_HIGH C_NUM_BUS_RST C_NUM_PERP_RST C_NUM_INTERCONNECT_ARESETN C_NUM_PERP_ARESETN}
    ip:smartconnect {NUM_SI NUM_MI NUM_CLKS}
}

proc set_cell_config {obj k v} {
    set cell [string trimleft $obj /]
    if {![dict exists $::S::cells $cell]} { fail "set_property on $obj: no such cell" }
    if {![string match -nocase CONFIG.* $k]} { return }
    set name [string range $k 7 end]
    set kd [kind [dict get $::S::cells $cell vlnv]]
    if {[info exists ::S::allowed($kd)]} {
        if {[lsearch -nocase -exact $::S::allowed($kd) $name] < 0} {
            fail "$kd has no parameter CONFIG.$name"
        }
    } else {
        fail "$kd takes no CONFIG parameters in this model"
    }
    if {$kd eq "ip:axi_dma"} { check_dma $name $v }
    dict set ::S::cells $cell config [string tolower $name] $v
    ev CONFIG $cell $name $v
}

# PG021's ranges of the AXI DMA's parameters.
proc check_dma {name v} {
    set pow2 {8 16 32 64 128 256 512 1024}
    switch -- [string tolower $name] {
        c_m_axis_mm2s_tdata_width - c_s_axis_s2mm_tdata_width {
            if {$v ni $pow2} { fail "axi_dma $name $v: a stream of 8 to 1024 bits, a power of two" }
        }
        c_m_axi_mm2s_data_width - c_m_axi_s2mm_data_width {
            if {$v ni [lrange $pow2 2 end]} { fail "axi_dma $name $v: 32 to 1024 bits, a power of two" }
        }
        c_mm2s_burst_size - c_s2mm_burst_size {
            if {$v ni {2 4 8 16 32 64 128 256}} { fail "axi_dma $name $v: 2 to 256 beats" }
        }
        c_sg_length_width {
            if {$v < 8 || $v > 26} { fail "axi_dma $name $v: 8 to 26" }
        }
        c_addr_width {
            if {$v < 32 || $v > 64} { fail "axi_dma $name $v: 32 to 64" }
        }
    }
}

# The pins of a cell as its configuration makes them: a dict
# pin -> {kind bus mode bits required}, kind `pin` or `intf`.
proc pins_of {cell} {
    set vlnv [dict get $::S::cells $cell vlnv]
    set p [dict create]
    switch -- [kind $vlnv] {
        ip:processing_system7 {
            dict set p FCLK_CLK0 {pin clk out 0 0}
            dict set p FCLK_RESET0_N {pin rst out 0 0}
            dict set p DDR {intf ddr ext 0 1}
            dict set p FIXED_IO {intf fixed_io ext 0 1}
            if {[cfg $cell PCW_USE_M_AXI_GP0 1]} {
                dict set p M_AXI_GP0 {intf aximm master 0 1}
                dict set p M_AXI_GP0_ACLK {pin clk in 0 1}
            }
            if {[cfg $cell PCW_USE_S_AXI_HP0 0]} {
                dict set p S_AXI_HP0 {intf aximm slave 0 1}
                dict set p S_AXI_HP0_ACLK {pin clk in 0 1}
            }
        }
        ip:zynq_ultra_ps_e {
            if {[cfg $cell PSU__FPGA_PL0_ENABLE 1]} { dict set p pl_clk0 {pin clk out 0 0} }
            dict set p pl_resetn0 {pin rst out 0 0}
            foreach {gp intf clk} {GP0 M_AXI_HPM0_FPD maxihpm0_fpd_aclk GP1 M_AXI_HPM1_FPD maxihpm1_fpd_aclk GP2 M_AXI_HPM0_LPD maxihpm0_lpd_aclk} {
                if {[cfg $cell PSU__USE__M_AXI_$gp 0]} {
                    dict set p $intf {intf aximm master 0 1}
                    dict set p $clk {pin clk in 0 1}
                }
            }
            if {[cfg $cell PSU__USE__S_AXI_GP2 0]} {
                dict set p S_AXI_HP0_FPD {intf aximm slave 0 1}
                dict set p saxihp0_fpd_aclk {pin clk in 0 1}
            }
        }
        ip:axi_dma {
            dict set p S_AXI_LITE {intf aximm slave 0 1}
            dict set p s_axi_lite_aclk {pin clk in 0 1}
            dict set p axi_resetn {pin rst in 0 1}
            if {[cfg $cell c_include_sg 1]} {
                dict set p M_AXI_SG {intf aximm master 0 1}
                dict set p m_axi_sg_aclk {pin clk in 0 1}
            }
            if {[cfg $cell c_include_mm2s 1]} {
                dict set p M_AXI_MM2S {intf aximm master 0 1}
                dict set p M_AXIS_MM2S [list intf axis master [cfg $cell c_m_axis_mm2s_tdata_width 32] 1]
                dict set p m_axi_mm2s_aclk {pin clk in 0 1}
                dict set p mm2s_introut {pin irq out 0 0}
                dict set p mm2s_prmry_reset_out_n {pin rst out 0 0}
            }
            if {[cfg $cell c_include_s2mm 1]} {
                dict set p M_AXI_S2MM {intf aximm master 0 1}
                dict set p S_AXIS_S2MM [list intf axis slave [cfg $cell c_s_axis_s2mm_tdata_width 32] 1]
                dict set p m_axi_s2mm_aclk {pin clk in 0 1}
                dict set p s2mm_introut {pin irq out 0 0}
                dict set p s2mm_prmry_reset_out_n {pin rst out 0 0}
            }
        }
        ip:proc_sys_reset {
            dict set p slowest_sync_clk {pin clk in 0 1}
            dict set p ext_reset_in {pin rst in 0 1}
            foreach n {aux_reset_in mb_debug_sys_rst dcm_locked} { dict set p $n {pin misc in 0 0} }
            foreach n {mb_reset bus_struct_reset peripheral_reset interconnect_aresetn peripheral_aresetn} {
                dict set p $n {pin rst out 0 0}
            }
        }
        ip:smartconnect {
            for {set i 0} {$i < [cfg $cell NUM_SI 1]} {incr i} {
                dict set p [format S%02d_AXI $i] {intf aximm slave 0 1}
            }
            for {set i 0} {$i < [cfg $cell NUM_MI 1]} {incr i} {
                dict set p [format M%02d_AXI $i] {intf aximm master 0 1}
            }
            dict set p aclk {pin clk in 0 1}
            dict set p aresetn {pin rst in 0 1}
        }
        default {
            # the tomatl IP: what the packager inferred from the wrapper's ports
            if {![info exists ::S::ipcomp($vlnv)]} { fail "no pin table for $vlnv" }
            foreach n [env TOMATL_STUB_IP_PINS {}] { dict set p $n {pin sig in 0 1} }
            foreach {n bus mode bits} [env TOMATL_STUB_IP_INTF {}] {
                dict set p $n [list intf $bus $mode $bits 1]
            }
        }
    }
    return $p
}

# `cell/pin` (with or without a leading /) as a checked pin of `kind`.
proc pin {path want} {
    set path [string trimleft $path /]
    set parts [split $path /]
    if {[llength $parts] != 2} { fail "$path is not <cell>/<pin>" }
    lassign $parts cell name
    if {![dict exists $::S::cells $cell]} { fail "no cell `$cell` (for pin $path)" }
    set p [pins_of $cell]
    if {![dict exists $p $name] || [lindex [dict get $p $name] 0] ne $want} {
        set vlnv [dict get $::S::cells $cell vlnv]
        fail "cell `$cell` ($vlnv) has no [expr {$want eq {pin} ? {pin} : {interface pin}}] `$name`"
    }
    return /$path
}

stub create_bd_cell {
    if {$::S::bd eq ""} { fail "no block design" }
    lassign [parse $args {-type -vlnv}] o p
    set vlnv [dict get $o -vlnv]
    set name [lindex $p 0]
    if {$vlnv ni $::S::catalog} { fail "create_bd_cell: $vlnv is not in the IP catalog" }
    if {[dict exists $::S::cells $name]} { fail "create_bd_cell: cell $name exists" }
    dict set ::S::cells $name [dict create vlnv $vlnv config [dict create] preset 0]
    ev CELL $name $vlnv
    return /$name
}
stub get_bd_cells {
    set n [string trimleft [lindex $args end] /]
    if {![dict exists $::S::cells $n]} { fail "get_bd_cells: no cell $n" }
    return /$n
}
stub get_bd_pins {
    set out {}
    foreach a $args { lappend out [pin $a pin] }
    return $out
}
stub get_bd_intf_pins {
    set out {}
    foreach a $args { lappend out [pin $a intf] }
    return $out
}
stub apply_bd_automation {
    lassign [parse $args {-rule -config}] o p
    set cell [string trimleft [lindex $p 0] /]
    if {![dict exists $::S::cells $cell]} { fail "apply_bd_automation: no cell $cell" }
    set c [dict get $o -config]
    if {[dict exists $c apply_board_preset] && [dict get $c apply_board_preset]} {
        if {$::S::board_part eq ""} { fail "apply_board_preset without a board part" }
        if {[kind [dict get $::S::cells $cell vlnv]] eq "ip:zynq_ultra_ps_e"} {
            # the boards' presets enable both FPD masters
            dict set ::S::cells $cell config psu__use__m_axi_gp0 1
            dict set ::S::cells $cell config psu__use__m_axi_gp1 1
        }
        ev PRESET $cell $::S::board_part
    }
    if {[dict exists $c make_external]} {
        foreach e [split [dict get $c make_external] ,] {
            set e [string trim $e]
            pin $cell/$e intf
            dict set ::S::conn /$cell/$e external
            ev EXTERNAL /$cell/$e
        }
    }
}
stub connect_bd_intf_net {
    if {[llength $args] != 2} { fail "connect_bd_intf_net takes two interface pins" }
    set ends {}
    foreach a $args {
        set path [pin $a intf]
        if {[dict exists $::S::conn $path]} { fail "$path is connected already" }
        lappend ends $path
    }
    lassign $ends a b
    set pa [dict get [pins_of [lindex [split [string trimleft $a /] /] 0]] [lindex [split $a /] end]]
    set pb [dict get [pins_of [lindex [split [string trimleft $b /] /] 0]] [lindex [split $b /] end]]
    if {[lindex $pa 1] ne [lindex $pb 1]} { fail "$a ([lindex $pa 1]) and $b ([lindex $pb 1]) are different buses" }
    if {[lsort [list [lindex $pa 2] [lindex $pb 2]]] ne {master slave}} {
        fail "$a ([lindex $pa 2]) and $b ([lindex $pb 2]): an interface joins a master and a slave"
    }
    dict set ::S::conn $a $b
    dict set ::S::conn $b $a
    ev INTF $a $b
}
stub connect_bd_net {
    set ends {}
    foreach a [concat {*}$args] { lappend ends [pin $a pin] }
    if {[llength $ends] < 2} { fail "connect_bd_net needs a driver and a load" }
    set driver [lindex $ends 0]
    foreach e [lrange $ends 1 end] {
        if {[dict exists $::S::conn $e]} { fail "$e is driven already" }
        dict set ::S::conn $e $driver
    }
    dict set ::S::conn $driver driver
    ev NET {*}$ends
}
stub get_bd_addr_spaces {
    set path [string trimleft [lindex $args 0] /]
    lassign [split $path /] cell space
    if {![dict exists $::S::cells $cell]} { fail "no cell $cell" }
    if {[kind [dict get $::S::cells $cell vlnv]] ni {ip:processing_system7 ip:zynq_ultra_ps_e} || $space ne "Data"} {
        fail "no address space $path"
    }
    return /$path
}
stub get_bd_addr_segs {
    set path [string trimleft [lindex $args 0] /]
    set cell [lindex [split $path /] 0]
    set seg [join [lrange [split $path /] 1 end] /]
    if {![dict exists $::S::cells $cell]} { fail "no cell $cell" }
    set vlnv [dict get $::S::cells $cell vlnv]
    switch -- [kind $vlnv] {
        ip:axi_dma { set segs {S_AXI_LITE/Reg} }
        default {
            if {![info exists ::S::ipcomp($vlnv)]} { fail "no address segments on $cell" }
            set segs [dict get $::S::ipcomp($vlnv) segs]
        }
    }
    if {$seg ni $segs} { fail "no address segment $path (there are: $segs)" }
    return /$path
}
set ::S::addrs {}
stub assign_bd_address {
    lassign [parse $args {-target_address_space -offset -range}] o p
    if {[llength $p] == 0} { ev ADDR_ALL; return }
    if {![dict exists $o -target_address_space]} { fail "assign_bd_address of [lindex $p 0] without -target_address_space" }
    set r [dict get $o -range]
    set range [expr {[string match *K $r] ? [string trimright $r K] * 1024 : $r}]
    set off [expr {[dict get $o -offset]}]
    if {$range < 4096 || ($off % $range) != 0} { fail "address $off range $range: aligned to its range, at least 4K" }
    foreach {s o2 r2} $::S::addrs {
        if {$off < $o2 + $r2 && $o2 < $off + $range} { fail "address of [lindex $p 0] overlaps $s" }
    }
    lappend ::S::addrs [lindex $p 0] $off $range
    ev ADDR [lindex $p 0] [format 0x%08X $off] $range
}
stub validate_bd_design {
    dict for {cell c} $::S::cells {
        dict for {name info} [pins_of $cell] {
            lassign $info k bus mode bits required
            if {!$required} { continue }
            if {![dict exists $::S::conn /$cell/$name]} {
                fail "validate_bd_design: /$cell/$name is not connected"
            }
            if {$k eq "intf" && $bus eq "axis"} {
                set other [dict get $::S::conn /$cell/$name]
                set oc [lindex [split [string trimleft $other /] /] 0]
                set ob [lindex [dict get [pins_of $oc] [lindex [split $other /] end]] 3]
                if {$ob != $bits} { fail "validate_bd_design: /$cell/$name is $bits bits, $other is $ob bits (TDATA_NUM_BYTES)" }
            }
        }
    }
    ev VALIDATED
}

# The PS clock: the PLL divided by the nearest integer.
proc ps_clock_hz {cell} {
    switch -- [kind [dict get $::S::cells $cell vlnv]] {
        ip:processing_system7 { set pll 1000.0; set mhz [cfg $cell PCW_FPGA0_PERIPHERAL_FREQMHZ 50] }
        ip:zynq_ultra_ps_e { set pll 1500.0; set mhz [cfg $cell PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 100] }
    }
    set n [expr {max(1, round($pll / $mhz))}]
    return [expr {round($pll / $n * 1e6)}]
}

stub save_bd_design { if {$::S::bd eq ""} { fail "no block design" } }
stub generate_target {
    need_project
    set sub [env TOMATL_STUB_HANDOFF gen]
    set d [file join $::S::proj_dir $::S::project.$sub sources_1 bd $::S::bd hw_handoff]
    file mkdir $d
    set f [open [file join $d $::S::bd.hwh] w]
    puts $f "stub hardware handoff of $::S::bd"
    close $f
}
stub make_wrapper {
    need_project
    lassign [parse $args {-files}] o p
    set d [file join $::S::proj_dir $::S::project.gen sources_1 bd $::S::bd hdl]
    file mkdir $d
    set w [file join $d ${::S::bd}_wrapper.v]
    close [open $w w]
    return $w
}

# ---------------------------------------------------------------------- runs
set ::S::runs [dict create]
stub reset_run { need_project }
stub get_runs {
    need_project
    set r [lindex $args 0]
    if {$r ni {synth_1 impl_1}} { fail "no run $r" }
    return run:$r
}
proc run_dir {r} { file join $::S::proj_dir $::S::project.runs $r }

# Synthesis of the IP: every "<x>.mem" its Verilog names must be in its
# file group, else Synth 8-4445.
proc synthesise {} {
    set ok 1
    foreach vlnv [array names ::S::ipcomp] {
        set d $::S::ipcomp($vlnv)
        set group [dict get [dict get $d groups] xilinx_anylanguagesynthesis]
        set names [lmap f $group {file tail $f}]
        foreach f $group {
            if {[file extension $f] ne ".v"} { continue }
            set h [open [file join [dict get $d root] $f]]
            set text [read $h]
            close $h
            foreach {- m} [regexp -all -inline {"([A-Za-z0-9_.]+\.mem)"} $text] {
                if {$m in $names} { continue }
                set sev [expr {[dict exists $::S::msg {Synth 8-4445}] ? [dict get $::S::msg {Synth 8-4445}] : "CRITICAL WARNING"}]
                ev SYNTH_8_4445 $sev $m
                if {$sev eq "ERROR"} { set ok 0 }
            }
        }
    }
    return $ok
}
stub launch_runs {
    need_project
    lassign [parse $args {-to_step -jobs}] o p
    if {$::S::top eq ""} { fail "launch_runs: no top" }
    set sev [expr {[dict exists $::S::msg {Synth 8-4445}] ? [dict get $::S::msg {Synth 8-4445}] : "CRITICAL WARNING"}]
    ev MSG {Synth 8-4445} $sev
    if {![synthesise]} {
        dict set ::S::runs synth_1 {0% {synth_design ERROR}}
        dict set ::S::runs impl_1 {0% {Not started}}
        return
    }
    dict set ::S::runs synth_1 {100% {synth_design Complete!}}
    set prog [env TOMATL_STUB_PROGRESS 100%]
    dict set ::S::runs impl_1 [list $prog [expr {$prog eq "100%" ? "write_bitstream Complete!" : "route_design ERROR"}]]
    file mkdir [run_dir impl_1]
    if {$prog eq "100%" && [dict get $o -to_step] eq "write_bitstream"} {
        set f [open [file join [run_dir impl_1] [file rootname [file tail $::S::top]].bit] w]
        puts $f "stub bitstream"
        close $f
    }
}
stub wait_on_run { need_project }
stub open_run { need_project }
stub report_utilization {
    lassign [parse $args {-file}] o p
    if {[dict exists $o -file]} { set f [open [dict get $o -file] w]; puts $f "stub utilisation"; close $f }
}
stub report_timing_summary {
    lassign [parse $args {-file -max_paths}] o p
    if {[dict exists $o -file]} { set f [open [dict get $o -file] w]; puts $f "stub timing"; close $f }
}
stub get_timing_paths {
    if {"-hold" in $args} { return path:hold }
    return path:setup
}
stub write_hw_platform {
    lassign [parse $args {-file}] o p
    foreach k {-fixed -include_bit -file} {
        if {![dict exists $o $k]} { fail "write_hw_platform without $k" }
    }
    set f [open [dict get $o -file] w]
    puts $f "stub platform"
    close $f
}

proc get_prop {key obj} {
    switch -glob -- $obj {
        *:*:*:* {
            if {$key eq "VLNV"} { return $obj }
        }
        run:* {
            set r [string range $obj 4 end]
            if {![dict exists $::S::runs $r]} { return [expr {$key eq "PROGRESS" ? "0%" : ""}] }
            lassign [dict get $::S::runs $r] prog status
            switch -- $key {
                PROGRESS { return $prog }
                STATUS { return $status }
                DIRECTORY { return [run_dir $r] }
            }
        }
        project:* {
            switch -- $key {
                DIRECTORY { return $::S::proj_dir }
                NAME { return $::S::project }
            }
        }
        path:setup { if {$key eq "SLACK"} { return [env TOMATL_STUB_WNS 0.250] } }
        path:hold { if {$key eq "SLACK"} { return 0.030 } }
        /* {
            set path [string trimleft $obj /]
            lassign [split $path /] cell pin
            if {$key eq "CONFIG.FREQ_HZ" && $pin in {FCLK_CLK0 pl_clk0}} {
                set hz [ps_clock_hz $cell]
                ev CLOCK $obj $hz
                return $hz
            }
        }
    }
    fail "get_property $key of $obj is not modelled"
}

# ------------------------------------------------------------------- scripts
set status 0
foreach script [lrange $argv 1 end] {
    ev SOURCE [file tail $script]
    if {[catch {uplevel #0 [list source $script]} err]} {
        ev ERROR $err
        if {[info exists ::env(TOMATL_STUB_TRACE)]} { puts stderr $::errorInfo }
        set status 1
        break
    }
}
close $::S::log
exit $status
